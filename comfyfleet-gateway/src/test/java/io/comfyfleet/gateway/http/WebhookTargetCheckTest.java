package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** /run and /runsync refuse webhooks that point into the gateway's own host or network (SSRF), over real HTTP. */
class WebhookTargetCheckTest {
    @TempDir
    Path dir;
    TestGateway gw;

    @BeforeEach
    void start() {
        String yaml = TestGateway.yaml("").replace("allowPrivateTargets: true", "allowPrivateTargets: false");
        gw = new TestGateway(new ConfigLoader(name -> null).parse(yaml, "test config", dir));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @ParameterizedTest
    @CsvSource({
            "http://127.0.0.1:9/hook, resolves to 127.0.0.1, a loopback address",
            "http://localhost:9/hook, a loopback address",
            "http://[::1]:9/hook, a loopback address",
            "http://169.254.169.254/latest/meta-data/, a link-local address",
            "http://10.0.0.5/hook, a private address",
            "https://192.168.1.20/hook, a private address",
            "http://100.64.1.1/hook, a private address",
            "http://[fd00::5]/hook, a private address",
            "http://0.0.0.0:8080/hook, an unspecified address",
            "http://224.0.0.1/hook, a multicast address"})
    void internalTargetsAreRefusedWithWhatToChange(String url, String expected) {
        for (String route : new String[] {"/v2/ep1/run", "/v2/ep1/runsync?wait=1000"}) {
            Reply reply = gw.client.post(route, "{\"input\":{},\"webhook\":\"" + url + "\"}");
            assertThat(reply.status()).as(route + " " + url).isEqualTo(400);
            assertThat(reply.field("error"))
                    .contains(expected)
                    .contains("give a publicly reachable URL")
                    .contains("webhooks.allowPrivateTargets: true");
        }
        // nothing was stored for the refused calls
        assertThat(gw.client.get("/v2/ep1/health").json().path("jobs").path("inQueue").asInt()).isZero();
    }

    @Test
    void otherSchemesAreRefused() {
        Reply reply = gw.client.post("/v2/ep1/run", "{\"input\":{},\"webhook\":\"file:///etc/passwd\"}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.field("error")).contains("http:// or https://");
    }

    @Test
    void aPublicAddressIsAccepted() {
        // TEST-NET-3: public by classification; the job is never finished here, so nothing is ever sent to it
        Reply reply = gw.client.post("/v2/ep1/run", "{\"input\":{},\"webhook\":\"https://203.0.113.7/hook\"}");
        assertThat(reply.status()).isEqualTo(200);
    }
}
