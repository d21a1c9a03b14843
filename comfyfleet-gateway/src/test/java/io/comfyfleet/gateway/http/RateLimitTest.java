package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-key rate limits over real HTTP. The refill is one request per 20 s, so a bucket cannot refill between the
 * requests of a test even on a starved machine: every 429 here is the limit, never timing luck.
 */
class RateLimitTest {
    static final String SECOND_KEY = "second-client-key-0123456789";

    @TempDir
    Path dir;
    TestGateway gw;
    Api second;

    @BeforeEach
    void start() {
        String yaml = TestGateway.yaml("")
                .replaceFirst("clientKeys: \\[" + TestGateway.CLIENT_KEY + "]",
                        "clientKeys: [" + TestGateway.CLIENT_KEY + ", " + SECOND_KEY + "]")
                .replaceFirst("    maxRetries: 1\n", """
                            maxRetries: 1
                            rateLimit: {requestsPerSecond: 0.05, burst: 2}
                            statusRateLimit: {requestsPerSecond: 0.05, burst: 3}
                        """);
        gw = new TestGateway(new ConfigLoader(name -> null).parse(yaml, "test config", dir));
        second = gw.client.withKey(SECOND_KEY);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void aKeyOverItsBurstGets429WithRetryAfter() {
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{}}").status()).isEqualTo(200);
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{}}").status()).isEqualTo(200);

        Reply limited = gw.client.post("/v2/ep1/run", "{\"input\":{}}");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 20L);
        assertThat(limited.field("error")).contains("0.05 requests per second (burst 2)", "endpoint ep1",
                "retry after " + retryAfter + " s");
        // runsync and the other writes share the budget
        assertThat(gw.client.post("/v2/ep1/runsync?wait=1000", "{\"input\":{}}").status()).isEqualTo(429);
        assertThat(gw.client.post("/v2/ep1/purge-queue", null).status()).isEqualTo(429);
        // nothing beyond the two accepted jobs was queued
        assertThat(second.get("/v2/ep1/health").json().path("jobs").path("inQueue").asInt()).isEqualTo(2);
    }

    @Test
    void eachKeyHasItsOwnBudget() {
        gw.client.post("/v2/ep1/run", "{\"input\":{}}");
        gw.client.post("/v2/ep1/run", "{\"input\":{}}");
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{}}").status()).isEqualTo(429);
        assertThat(second.post("/v2/ep1/run", "{\"input\":{}}").status()).isEqualTo(200);
    }

    @Test
    void readsHaveTheirOwnLimitAndSpentWritesDoNotBlockThem() {
        String id = gw.client.post("/v2/ep1/run", "{\"input\":{}}").field("id");
        gw.client.post("/v2/ep1/run", "{\"input\":{}}");
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{}}").status()).isEqualTo(429);

        for (int i = 0; i < 3; i++) {
            assertThat(gw.client.get("/v2/ep1/status/" + id).status()).isEqualTo(200);
        }
        Reply limited = gw.client.get("/v2/ep1/status/" + id);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.field("error")).contains("burst 3", "read routes");
    }

    @Test
    void refusedRequestsAreCountedPerEndpointAndRoutes() {
        assertThat(rateLimited("ep1", "write")).isZero();
        assertThat(rateLimited("ep1", "read")).isZero();
        String id = gw.client.post("/v2/ep1/run", "{\"input\":{}}").field("id");
        gw.client.post("/v2/ep1/run", "{\"input\":{}}");
        for (int i = 0; i < 3; i++) {
            assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{}}").status()).isEqualTo(429);
        }
        for (int i = 0; i < 3; i++) {
            gw.client.get("/v2/ep1/status/" + id);
        }
        assertThat(gw.client.get("/v2/ep1/status/" + id).status()).isEqualTo(429);

        assertThat(rateLimited("ep1", "write")).isEqualTo(3);
        assertThat(rateLimited("ep1", "read")).isEqualTo(1);
        // ep2 has no limit configured: its series stays at 0
        assertThat(rateLimited("ep2", "write")).isZero();
    }

    private double rateLimited(String endpoint, String routes) {
        String text = gw.client.withKey(null).get("/metrics").text();
        String prefix = "comfyfleet_rate_limited_requests_total{endpoint=\"" + endpoint + "\",routes=\"" + routes + "\"}";
        return text.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).strip()))
                .reduce((a, b) -> { throw new AssertionError("two samples " + prefix); })
                .orElseThrow(() -> new AssertionError("no sample " + prefix + " in:\n" + text));
    }

    @Test
    void aBadKeyIsUnauthorizedNotLimited() {
        Api stranger = gw.client.withKey("not-a-key-of-this-gateway");
        for (int i = 0; i < 4; i++) {
            assertThat(stranger.post("/v2/ep1/run", "{\"input\":{}}").status()).isEqualTo(401);
        }
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{}}").status()).isEqualTo(200);
    }

    @Test
    void theWorkerApiIsNotLimited() {
        for (int i = 0; i < 5; i++) {
            assertThat(gw.worker.get("/v2/ep1/ping/w1").status()).isEqualTo(200);
        }
    }
}
