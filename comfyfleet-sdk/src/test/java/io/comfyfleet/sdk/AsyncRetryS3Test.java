package io.comfyfleet.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The SDK's s3Config, retry and async calls against the real gateway, with the test worker. */
class AsyncRetryS3Test extends AgainstLiveGateway {
    static final Workflow WORKFLOW = ClientAgainstGatewayTest.WORKFLOW;
    static final byte[] PNG = ClientAgainstGatewayTest.PNG;

    @Test
    void s3ConfigGoesToTheWorkerAndNotIntoTheStatus() {
        S3Config s3 = S3Config.of("http://127.0.0.1:9000", "AKIA-TEST", "s3cr3t", "outputs").objectPath("jobs/today");
        JobHandle job = ep.run(WORKFLOW, List.of(), RunOptions.defaults().s3Config(s3));

        JsonNode taken = worker.take();
        assertThat(taken.path("id").asString()).isEqualTo(job.id());
        JsonNode config = taken.path("s3Config");
        assertThat(config.path("endpointUrl").asString()).isEqualTo("http://127.0.0.1:9000");
        assertThat(config.path("accessId").asString()).isEqualTo("AKIA-TEST");
        assertThat(config.path("accessSecret").asString()).isEqualTo("s3cr3t");
        assertThat(config.path("bucketName").asString()).isEqualTo("outputs");
        assertThat(config.path("objectPath").asString()).isEqualTo("jobs/today");
        assertThat(job.status().toString()).doesNotContain("s3cr3t");
        assertThat(s3.toString()).doesNotContain("s3cr3t");
        assertThatThrownBy(() -> S3Config.of("ftp://x", "a", "b", "c")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpointUrl");
    }

    @Test
    void aFailedJobIsRetriedUnderItsIdAndThenCompletes() {
        JobHandle job = ep.run(WORKFLOW);
        worker.take();
        worker.fail(job.id(), "Node 3 (KSampler) failed: RuntimeError: CUDA out of memory");
        assertThatThrownBy(() -> job.await(Duration.ofSeconds(10))).isInstanceOf(JobFailedException.class);

        JobStatus retried = job.retry();
        assertThat(retried.id()).isEqualTo(job.id());
        assertThat(retried.state()).isEqualTo(JobState.IN_QUEUE);
        assertThat(worker.take().path("id").asString()).isEqualTo(job.id());
        worker.complete(job.id(), "again.png", PNG, null, null, 0);
        assertThat(job.await(Duration.ofSeconds(10)).outputs()).singleElement()
                .satisfies(o -> assertThat(o.bytes()).isEqualTo(PNG));

        // only FAILED and TIMED_OUT jobs may be retried: the server's refusal is typed and says why
        assertThatThrownBy(job::retry).isInstanceOfSatisfying(RequestRejectedException.class,
                e -> assertThat(e.jobId()).isEqualTo(job.id()));
    }

    @Test
    void manyJobsAreFollowedAsynchronouslyWithoutAThreadEach() throws Exception {
        int jobs = 40;
        // two threads for the whole client: were a wait to hold one, the 40 jobs could not all be followed
        ExecutorService two = Executors.newFixedThreadPool(2);
        Endpoint ep = ComfyFleetClient.builder().baseUrl(gw.base).apiKey(LiveGateway.CLIENT_KEY).executor(two)
                .requestTimeout(Duration.ofSeconds(10)).build().endpoint("ep");
        List<JobHandle> handles = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            handles.add(ep.runAsync(WORKFLOW, List.of(), RunOptions.defaults()).get(10, TimeUnit.SECONDS));
        }
        List<Progress> seen = new CopyOnWriteArrayList<>();
        List<CompletableFuture<JobResult>> results = new ArrayList<>();
        for (JobHandle h : handles) {
            results.add(h.onProgress(seen::add).awaitAsync(Duration.ofSeconds(60)));
        }
        // every job's live stream is open on the gateway
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> handles.stream().allMatch(h -> gw.gateway.waitingOnJob(h.id()) > 0));

        for (int i = 0; i < jobs; i++) {
            String id = worker.take().path("id").asString();
            worker.progress(id, 50.0, "3", "KSampler", 10, 20, null);
            worker.complete(id, "out-" + i + ".png", PNG, null, null, 0);
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < jobs; i++) {
            assertThat(results.get(i).get().id()).isEqualTo(handles.get(i).id());
        }
        assertThat(seen).allSatisfy(p -> assertThat(p.step()).isEqualTo(10));
        // the 60 s deadlines of the finished waits were dropped with them, not kept (with their results) until due
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> JobWait.pendingTimers() == 0);
        two.shutdownNow();
    }

    @Test
    void asyncWaitsEndWithTheTypedExceptionsAndCanBeCancelled() throws Exception {
        JobHandle failing = ep.run(WORKFLOW);
        CompletableFuture<JobResult> failed = failing.awaitAsync(Duration.ofSeconds(20));
        worker.take();
        worker.fail(failing.id(), "boom");
        assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(JobFailedException.class,
                        e -> assertThat(e.serverMessage()).isEqualTo("boom"));

        JobHandle queued = ep.run(WORKFLOW);
        CompletableFuture<JobResult> tooShort = queued.awaitAsync(Duration.ofMillis(300));
        assertThatThrownBy(() -> tooShort.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(JobTimedOutException.class,
                        e -> assertThat(e.lastState()).isEqualTo(JobState.IN_QUEUE));

        // cancelling the wait leaves the job alone (EventResumeTest shows the connection is closed)
        CompletableFuture<JobResult> followed = queued.awaitAsync(Duration.ofSeconds(60));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingOnJob(queued.id()) > 0);
        followed.cancel(true);
        assertThat(followed).isCancelled();
        assertThat(queued.statusAsync().get(10, TimeUnit.SECONDS).state()).isEqualTo(JobState.IN_QUEUE);
    }

    @Test
    void withoutEventsTheAsyncWaitPollsStatus() throws Exception {
        Endpoint polling = gw.client(LiveGateway.CLIENT_KEY, false).endpoint("ep");
        JobHandle job = polling.run(WORKFLOW);
        List<Progress> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<JobResult> result = job.onProgress(seen::add).awaitAsync(Duration.ofSeconds(30));
        worker.take();
        worker.progress(job.id(), 25.0, "3", "KSampler", 5, 20, null);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        assertThat(gw.gateway.waitingOnJob(job.id())).as("no live stream when events are off").isZero();
        worker.complete(job.id(), "polled.png", PNG, null, null, 0);
        assertThat(result.get(10, TimeUnit.SECONDS).outputs()).singleElement()
                .satisfies(o -> assertThat(o.filename()).isEqualTo("polled.png"));
        assertThat(seen).singleElement().satisfies(p -> assertThat(p.percent()).isEqualTo(25.0));
    }
}
