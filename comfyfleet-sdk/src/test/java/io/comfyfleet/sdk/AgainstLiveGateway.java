package io.comfyfleet.sdk;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test class's fixture: a real gateway in a fresh folder, its test worker, and the SDK's endpoint {@code ep}. */
abstract class AgainstLiveGateway {
    @TempDir
    Path dir;
    LiveGateway gw;
    TestWorker worker;
    Endpoint ep;

    @BeforeEach
    void startGateway() {
        gw = new LiveGateway(dir);
        worker = gw.worker();
        ep = gw.client.endpoint("ep");
    }

    @AfterEach
    void stopGateway() {
        gw.close();
    }
}
