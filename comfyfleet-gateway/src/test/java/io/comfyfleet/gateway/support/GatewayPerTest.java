package io.comfyfleet.gateway.support;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The setup most API tests share: a fresh gateway with the test configuration on its own SQLite file per test. */
public abstract class GatewayPerTest {
    @TempDir
    protected Path dir;
    protected TestGateway gw;

    @BeforeEach
    void startGateway() {
        gw = new TestGateway(dir);
    }

    @AfterEach
    void stopGateway() {
        gw.close();
    }
}
