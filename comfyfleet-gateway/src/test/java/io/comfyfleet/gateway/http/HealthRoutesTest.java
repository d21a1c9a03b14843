package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probes Kubernetes (deploy/kubernetes) points at: open, and readiness ends when the gateway drains. */
class HealthRoutesTest {
    @TempDir
    Path dir;

    @Test
    void livenessStaysUpWhileReadinessEndsWhenTheGatewayDrains() {
        try (TestGateway gw = new TestGateway(dir)) {
            Reply live = gw.client.withKey(null).get("/healthz");
            Reply ready = gw.client.withKey(null).get("/readyz");
            assertThat(live.status()).isEqualTo(200);
            assertThat(live.text()).isEqualTo("ok\n");
            assertThat(ready.status()).isEqualTo(200);

            gw.gateway.stopAccepting();

            assertThat(gw.client.withKey(null).get("/readyz").status()).isEqualTo(503);
            assertThat(gw.client.withKey(null).get("/healthz").status()).isEqualTo(200);
        }
    }
}
