package io.comfyfleet.worker.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.FakeGateway;
import io.comfyfleet.worker.config.GatewayEndpoints;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayClientTest {
    private final FakeGateway gw = new FakeGateway(Duration.ofMillis(100));
    private final GatewayClient client = new GatewayClient(
            GatewayEndpoints.forGateway(gw.url(), "ep", "w1", "KEY", Duration.ofSeconds(1)));

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void takeReturnsNothingOn204AndTheJobOtherwise() {
        assertThat(client.takeJob(false)).isInstanceOf(TakeOutcome.NoJob.class);
        gw.jobs.add("{\"id\":\"j1\",\"input\":{\"workflow\":{}},\"webhook\":\"http://x\"}");
        TakeOutcome outcome = client.takeJob(true);
        assertThat(outcome).isInstanceOf(TakeOutcome.Job.class);
        TakenJob job = ((TakeOutcome.Job) outcome).job();
        assertThat(job.id()).isEqualTo("j1");
        assertThat(job.input().has("workflow")).isTrue();
        assertThat(job.raw().path("webhook").asString()).isEqualTo("http://x");

        FakeGateway.Request take = gw.requests("GET", "/job-take/w1").getLast();
        assertThat(take.param("job_in_progress")).isEqualTo("1");
        assertThat(take.param("gpu")).isEqualTo("none");
        assertThat(take.authorization()).isEqualTo("KEY");
    }

    @Test
    void takeSeparatesThrottlingRefusalAndOutage() {
        gw.takeStatus = 429;
        assertThat(client.takeJob(false)).isInstanceOf(TakeOutcome.Throttled.class);
        gw.takeStatus = 401;
        assertThatThrownBy(() -> client.takeJob(false)).isInstanceOf(GatewayRefusedException.class).hasMessageContaining("401");
        gw.takeStatus = 502;
        assertThatThrownBy(() -> client.takeJob(false)).isInstanceOf(GatewayUnavailableException.class);
        gw.takeStatus = 0;
        gw.jobs.add("{\"id\":\"j1\"}");
        assertThatThrownBy(() -> client.takeJob(false)).isInstanceOf(GatewayRefusedException.class)
                .hasMessageContaining("without 'id' and 'input'");
    }

    @Test
    void aThrottledStopPollIsAnOutageSoTheCallerBacksOff() {
        gw.stopStatus = 429;
        assertThatThrownBy(client::pollStop).isInstanceOf(GatewayUnavailableException.class).hasMessageContaining("429");
        gw.stopStatus = 0;
        assertThat(client.pollStop()).isEmpty();
    }

    @Test
    void abortEndsAHeldLongPollAndTheNextCallOfThatThread() throws Exception {
        try (FakeGateway holding = new FakeGateway(Duration.ofSeconds(30))) {
            GatewayClient slow = new GatewayClient(
                    GatewayEndpoints.forGateway(holding.url(), "ep", "w1", "KEY", Duration.ofSeconds(1)));
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            Thread poller = Thread.ofPlatform().start(() -> {
                try {
                    slow.takeJob(false);
                    ended.complete(null);
                } catch (RuntimeException e) {
                    try {
                        slow.pollStop(); // still interrupted: gives up at once instead of holding 30 s
                        ended.complete(null);
                    } catch (RuntimeException again) {
                        ended.complete(again);
                    }
                }
            });
            while (holding.requests("GET", "/job-take/w1").isEmpty()) {
                Thread.sleep(10);
            }
            Thread.sleep(100); // the long-poll is now blocked in its read
            long start = System.nanoTime();
            slow.abort(poller);
            assertThat(ended.get(5, TimeUnit.SECONDS)).isInstanceOf(GatewayUnavailableException.class)
                    .hasMessageContaining("job-stop was interrupted");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(holding.requests("GET", "/job-stop/w1")).isEmpty();
        }
    }

    @Test
    void unreachableGatewayIsATypedOutage() {
        GatewayClient nowhere = new GatewayClient(GatewayEndpoints.forGateway(
                "http://127.0.0.1:1", "ep", "w1", "KEY", Duration.ofSeconds(1)));
        assertThatThrownBy(() -> nowhere.takeJob(false)).isInstanceOf(GatewayUnavailableException.class)
                .hasMessageContaining("could not reach the gateway at http://127.0.0.1:1");
    }

    @Test
    void doneProgressStreamStopAndPingHaveRunpodShapes() {
        client.postProgress("j1", Json.MAPPER.readTree("{\"percent\":50}"));
        client.postStream("j1", Json.MAPPER.readTree("\"chunk\""));
        client.postResult("j1", Json.MAPPER.readTree("{\"output\":{\"images\":[]}}"));
        client.ping(List.of("j1"));
        gw.stops.add("j9");
        assertThat(client.pollStop()).containsExactly("j9");
        assertThat(client.pollStop()).isEmpty();

        List<FakeGateway.Request> done = gw.requests("POST", "/job-done/w1/j1");
        assertThat(done.get(0).json().path("status").asString()).isEqualTo("IN_PROGRESS");
        assertThat(done.get(0).json().path("output").path("percent").asInt()).isEqualTo(50);
        assertThat(done.get(1).json().has("status")).isFalse();
        assertThat(done.get(1).param("isStream")).isEqualTo("false");
        FakeGateway.Request stream = gw.requests("POST", "/job-stream/w1/j1").getFirst();
        assertThat(stream.json().path("output").asString()).isEqualTo("chunk");
        assertThat(gw.requests("GET", "/ping/w1").getFirst().param("job_id")).isEqualTo("j1");
    }

    @Test
    void requestsArePlainHttp11WithoutAnUpgradeAttempt() {
        // the gateway speaks HTTP/1.1: an h2c upgrade offer on every call is only bytes and work for both sides
        client.takeJob(false);
        client.postResult("j1", Json.MAPPER.readTree("{\"output\":{}}"));
        assertThat(gw.requests).isNotEmpty().allSatisfy(r -> assertThat(r.upgrade()).as(r.path()).isNull());
    }
}
