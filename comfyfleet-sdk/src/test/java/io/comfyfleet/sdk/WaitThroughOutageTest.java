package io.comfyfleet.sdk;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A wait on a job while its gateway is gone for a while (a restart of {@code up}, a rolling update): the job is
 * durable, so the wait asks again until the gateway is back, then ends with the job's result. The real gateway
 * over one SQLite folder, stopped and started again on the same port.
 */
class WaitThroughOutageTest {
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    static final byte[] BIG = "a file from the gateway output store".getBytes();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "live events: {0}")
    @ValueSource(booleans = {true, false})
    void aWaitEndsWithTheResultWhenItsGatewayComesBack(boolean events) throws Exception {
        int port = LiveGateway.freePort();
        LiveGateway before = new LiveGateway(dir, "", port);
        LiveGateway after = null;
        try {
            Endpoint ep = before.client(LiveGateway.CLIENT_KEY, events).endpoint("ep");
            JobHandle job = ep.run(ClientAgainstGatewayTest.WORKFLOW, List.of(), RunOptions.defaults());
            CountDownLatch heard = new CountDownLatch(1);
            CompletableFuture<JobResult> result = job.onProgress(p -> heard.countDown()).awaitAsync(Duration.ofSeconds(60));
            TestWorker worker = before.worker();
            worker.take();
            worker.progress(job.id(), 40.0, "3", "KSampler", 8, 20, null);
            assertThat(heard.await(10, SECONDS)).as("the wait heard the job's progress").isTrue();

            before.close();
            // the wait meets refused connections for a while: it must still be waiting, not failed
            Thread.sleep(1_500);
            assertThat(result).as("a wait while the gateway is gone").isNotDone();

            after = new LiveGateway(dir, "", port);
            String url = worker.store(job.id(), "big.png", BIG);
            worker.complete(job.id(), "ComfyUI_00001_.png", PNG, "big.png", url, BIG.length);

            JobResult done = result.get(30, SECONDS);
            assertThat(done.outputs()).extracting(Output::filename).contains("ComfyUI_00001_.png", "big.png");
        } finally {
            before.close();
            if (after != null) {
                after.close();
            }
        }
    }

    @Test
    void aWaitWhoseGatewayStaysGoneEndsAtItsDeadlineSayingSo() throws Exception {
        try (LiveGateway gw = new LiveGateway(dir)) {
            JobHandle job = gw.client.endpoint("ep").run(ClientAgainstGatewayTest.WORKFLOW, List.of(), RunOptions.defaults());
            CountDownLatch heard = new CountDownLatch(1);
            CompletableFuture<JobResult> result = job.onProgress(p -> heard.countDown()).awaitAsync(Duration.ofSeconds(4));
            TestWorker worker = gw.worker();
            worker.take();
            worker.progress(job.id(), 10.0, "3", "KSampler", 2, 20, null);
            assertThat(heard.await(10, SECONDS)).isTrue();
            gw.close();

            assertThatThrownBy(() -> result.get(20, SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(JobTimedOutException.class)
                    .hasMessageContaining("did not finish within 4.0 s; it is IN_PROGRESS and goes on")
                    .hasMessageContaining("; the gateway has not answered for the last").hasMessageContaining("ConnectException");
        }
    }

    @Test
    void aWaitThatNeverReachesTheGatewayFailsAtOnce() throws Exception {
        // nothing listens there: a wrong address, not an outage, so the wait does not sit out its timeout
        ComfyFleetClient client = ComfyFleetClient.builder().baseUrl("http://127.0.0.1:" + LiveGateway.freePort() + "/v2")
                .apiKey(LiveGateway.CLIENT_KEY).pollInterval(Duration.ofMillis(50)).build();
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.endpoint("ep").job("no-such-job").await(Duration.ofSeconds(60)))
                .isInstanceOf(ComfyFleetException.class).hasMessageContaining("failed");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aWaitStartedJustAfterItsSubmissionRidesThroughAnOutageFromItsStart() throws Exception {
        // the gateway answered the submission, so a refused connection right after is an outage, not a wrong address
        int port = LiveGateway.freePort();
        LiveGateway before = new LiveGateway(dir, "", port);
        LiveGateway after = null;
        try {
            JobHandle job = before.client(LiveGateway.CLIENT_KEY, true).endpoint("ep")
                    .run(ClientAgainstGatewayTest.WORKFLOW, List.of(), RunOptions.defaults());
            before.close();
            CompletableFuture<JobResult> result = job.awaitAsync(Duration.ofSeconds(60));
            Thread.sleep(1_500);
            assertThat(result).as("a wait that has met only refused connections so far").isNotDone();

            after = new LiveGateway(dir, "", port);
            TestWorker worker = after.worker();
            worker.take();
            worker.fail(job.id(), "out of memory in node 3");
            assertThatThrownBy(() -> result.get(30, SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(JobFailedException.class).hasMessageContaining("out of memory in node 3");
        } finally {
            before.close();
            if (after != null) {
                after.close();
            }
        }
    }
}
