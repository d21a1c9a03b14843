package io.comfyfleet.sdk;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submitting with an idempotency key: a submission that meets no gateway (it is restarting) is sent again until it
 * is back, and a repeat gets the job the first one queued, never a second job. Without a key a submission is sent
 * once, as before. The real gateway over SQLite, started late on a port chosen in advance.
 */
class IdempotentSubmitTest {
    static final Workflow WORKFLOW = ClientAgainstGatewayTest.WORKFLOW;

    @TempDir
    Path dir;

    @Test
    void aKeyedRunIsSentAgainUntilTheGatewayIsBackAndQueuesOneJob() throws Exception {
        int port = LiveGateway.freePort();
        ComfyFleetClient client = client(port);
        AtomicReference<LiveGateway> started = new AtomicReference<>();
        // the gateway comes up 1.5 s after the first try: the run must ride that out, not fail on a refused connection
        CompletableFuture<Void> later = CompletableFuture.runAsync(() -> {
            sleep(1_500);
            started.set(new LiveGateway(dir, "", port));
        });
        try {
            RunOptions options = RunOptions.defaults().idempotencyKey("order-4711");
            JobHandle job = client.endpoint("ep").run(WORKFLOW, List.of(), options);
            later.get(10, SECONDS);

            assertThat(client.endpoint("ep").run(WORKFLOW, List.of(), options).id()).isEqualTo(job.id());
            JobHandle async = client.endpoint("ep").runAsync(WORKFLOW, List.of(), options).get(10, SECONDS);
            assertThat(async.id()).isEqualTo(job.id());
            assertThat(client.endpoint("ep").health().inQueue()).isEqualTo(1);

            assertThat(client.endpoint("ep").run(WORKFLOW, List.of(), RunOptions.defaults().idempotencyKey("order-4712"))
                    .id()).isNotEqualTo(job.id());
        } finally {
            later.get(10, SECONDS);
            started.get().close();
        }
    }

    @Test
    void aKeyedRunAsyncIsSentAgainUntilTheGatewayIsBack() throws Exception {
        int port = LiveGateway.freePort();
        ComfyFleetClient client = client(port);
        CompletableFuture<JobHandle> job = client.endpoint("ep").runAsync(WORKFLOW, List.of(),
                RunOptions.defaults().idempotencyKey("order-4711"));
        sleep(1_500);
        assertThat(job).as("a keyed submission while no gateway answers").isNotDone();
        try (LiveGateway gw = new LiveGateway(dir, "", port)) {
            assertThat(job.get(20, SECONDS).id()).isNotBlank();
            assertThat(client.endpoint("ep").health().inQueue()).isEqualTo(1);
        }
    }

    @Test
    void aKeyedRunSyncIsSentAgainUntilItsOwnTimeoutNotOnlyTheRequestTimeout() throws Exception {
        // one try of a /runsync may be held up to 90 s, so the client's request timeout (1 s here) is no bound for
        // repeating it: a keyed runSync is repeated until the timeout its caller gave
        int port = LiveGateway.freePort();
        ComfyFleetClient client = ComfyFleetClient.builder().baseUrl("http://127.0.0.1:" + port + "/v2")
                .apiKey(LiveGateway.CLIENT_KEY).pollInterval(Duration.ofMillis(50)).requestTimeout(Duration.ofSeconds(1))
                .build();
        CompletableFuture<JobResult> result = CompletableFuture.supplyAsync(() -> client.endpoint("ep")
                .runSync(WORKFLOW, List.of(), RunOptions.defaults().idempotencyKey("order-4713"), Duration.ofSeconds(60)));
        sleep(2_500);
        assertThat(result).as("a keyed runSync 2.5 s into an outage, with a 1 s request timeout").isNotDone();
        try (LiveGateway gw = new LiveGateway(dir, "", port)) {
            TestWorker worker = gw.worker();
            String id = worker.take().path("id").asString();
            worker.fail(id, "out of memory in node 3");
            assertThatThrownBy(() -> result.get(30, SECONDS)).cause().isInstanceOf(JobFailedException.class)
                    .hasMessageContaining("out of memory in node 3");
            Health health = client.endpoint("ep").health();
            assertThat(health.failed()).as("jobs queued by the repeats").isEqualTo(1);
            assertThat(health.inQueue()).isZero();
        }
    }

    @Test
    void anUnkeyedRunIsSentOnce() throws Exception {
        ComfyFleetClient client = client(LiveGateway.freePort());
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.endpoint("ep").run(WORKFLOW)).isInstanceOf(ComfyFleetException.class)
                .hasMessageContaining("POST").hasMessageContaining("failed");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aKeyUsedForAnotherRequestIsRefused() {
        try (LiveGateway gw = new LiveGateway(dir)) {
            Endpoint ep = gw.client.endpoint("ep");
            RunOptions options = RunOptions.defaults().idempotencyKey("order-4711");
            ep.run(WORKFLOW, List.of(), options);
            assertThatThrownBy(() -> ep.run(Workflow.parse("{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {}}}"),
                    List.of(), options))
                    .isInstanceOf(RequestRejectedException.class)
                    .hasMessageContaining("HTTP 409")
                    .hasMessageContaining("was used for another request");
        }
    }

    @Test
    void aMalformedKeyIsRefusedBeforeAnythingIsSent() {
        for (String bad : new String[] {"", "has space", "x".repeat(256), null}) {
            assertThatThrownBy(() -> RunOptions.defaults().idempotencyKey(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("an idempotency key is 1 to 255 visible ASCII characters");
        }
    }

    private static ComfyFleetClient client(int port) {
        return ComfyFleetClient.builder().baseUrl("http://127.0.0.1:" + port + "/v2").apiKey(LiveGateway.CLIENT_KEY)
                .pollInterval(Duration.ofMillis(50)).requestTimeout(Duration.ofSeconds(20)).build();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
