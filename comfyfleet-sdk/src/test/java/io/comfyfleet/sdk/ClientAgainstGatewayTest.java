package io.comfyfleet.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The SDK against the real gateway, with a test worker speaking the RunPod worker protocol. */
class ClientAgainstGatewayTest extends AgainstLiveGateway {
    static final Workflow WORKFLOW = Workflow.parse("""
            {"1": {"class_type": "LoadImage", "inputs": {"image": "cat.png"}},
             "3": {"class_type": "KSampler", "inputs": {"steps": 20}},
             "9": {"class_type": "SaveImage", "inputs": {"images": ["3", 0]}}}""");
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    static final byte[] BIG = "a larger file from the gateway output store".getBytes();
    static final byte[] FRAME = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 7};

    @Test
    void runAndAwaitFollowsLiveEventsAndSavesEveryOutputFile() throws Exception {
        JobHandle job = ep.run(WORKFLOW, List.of(InputImage.of("cat.png", PNG)), RunOptions.defaults().preview(true));
        List<Progress> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<JobResult> result = CompletableFuture.supplyAsync(
                () -> job.onProgress(seen::add).await(Duration.ofSeconds(30)));
        // the live event stream holds a watch on the job: proof the SDK follows events, not /status
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingOnJob(job.id()) > 0);

        JsonNode taken = worker.take();
        assertThat(taken.path("id").asString()).isEqualTo(job.id());
        assertThat(taken.path("input").path("workflow").path("3").path("class_type").asString()).isEqualTo("KSampler");
        assertThat(taken.path("input").path("images").get(0).path("name").asString()).isEqualTo("cat.png");
        assertThat(Base64.getDecoder().decode(taken.path("input").path("images").get(0).path("image").asString()))
                .isEqualTo(PNG);
        assertThat(taken.path("input").path("preview").asBoolean()).isTrue();

        worker.progress(job.id(), 40.0, "3", "KSampler", 8, 20, FRAME);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        String url = worker.store(job.id(), "big.png", BIG);
        worker.complete(job.id(), "ComfyUI_00001_.png", PNG, "big.png", url, BIG.length);

        JobResult done = result.get(20, TimeUnit.SECONDS);
        Progress first = seen.get(0);
        assertThat(first.percent()).isEqualTo(40.0);
        assertThat(first.nodeId()).isEqualTo("3");
        assertThat(first.nodeType()).isEqualTo("KSampler");
        assertThat(first.step()).isEqualTo(8);
        assertThat(first.maxSteps()).isEqualTo(20);
        assertThat(first.nodesDone()).isEqualTo(1);
        assertThat(first.nodesTotal()).isEqualTo(3);
        // one update, its preview frame attached
        assertThat(seen).hasSize(1);
        assertThat(first.preview()).hasValue(FRAME);

        assertThat(done.id()).isEqualTo(job.id());
        assertThat(done.status().state()).isEqualTo(JobState.COMPLETED);
        assertThat(done.outputs()).extracting(Output::filename).containsExactly("ComfyUI_00001_.png", "big.png");
        assertThat(done.outputs().get(0).nodeId()).isEqualTo("9");
        assertThat(done.outputs().get(1).type()).isEqualTo("url");
        Path folder = dir.resolve("out");
        List<Path> files = done.saveTo(folder);
        assertThat(files).containsExactly(folder.resolve("ComfyUI_00001_.png"), folder.resolve("big.png"));
        assertThat(Files.readAllBytes(files.get(0))).isEqualTo(PNG);
        // the gateway store wants the client key: downloaded with it because it is the same host
        assertThat(Files.readAllBytes(files.get(1))).isEqualTo(BIG);
    }

    @Test
    void runSyncReturnsTheResultOfAShortJob() throws Exception {
        CompletableFuture<JobResult> result = CompletableFuture.supplyAsync(
                () -> ep.runSync(WORKFLOW, List.of(), RunOptions.defaults(), Duration.ofSeconds(30)));
        JsonNode taken = worker.take();
        String id = taken.path("id").asString();
        assertThat(id).startsWith("sync-");
        worker.complete(id, "out.png", PNG, null, null, 0);
        JobResult done = result.get(20, TimeUnit.SECONDS);
        assertThat(done.id()).isEqualTo(id);
        assertThat(done.outputs()).singleElement().satisfies(o -> assertThat(o.bytes()).isEqualTo(PNG));
    }

    @Test
    void aCancelledJobEndsTheWaitWithCancelled() {
        JobHandle job = ep.run(WORKFLOW);
        worker.take();
        worker.progress(job.id(), 10.0, "3", "KSampler", 2, 20, null);
        assertThat(job.status().state()).isEqualTo(JobState.IN_PROGRESS);
        assertThat(job.status().progress()).hasValueSatisfying(p -> assertThat(p.step()).isEqualTo(2));

        JobStatus cancelled = job.cancel();
        assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
        assertThatThrownBy(() -> job.await(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(JobCancelledException.class, e -> assertThat(e.jobId()).isEqualTo(job.id()));
        // cancelling again is the server's 409, typed
        assertThatThrownBy(job::cancel).isInstanceOf(RequestRejectedException.class);
    }

    @Test
    void aFailedJobIsATypedExceptionWithItsIdErrorAndDetails() {
        JobHandle job = ep.run(WORKFLOW);
        worker.take();
        worker.fail(job.id(), "Node 3 (KSampler) failed: RuntimeError: CUDA out of memory");
        assertThatThrownBy(() -> job.await(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(JobFailedException.class, e -> {
                    assertThat(e.jobId()).isEqualTo(job.id());
                    assertThat(e.serverMessage()).contains("CUDA out of memory");
                    assertThat(e.getMessage()).contains(job.id());
                    assertThat(e.details().path("reason").asString()).isEqualTo("node_error");
                });
    }

    @Test
    void awaitGivesUpAfterItsTimeoutAndTheJobGoesOn() {
        JobHandle job = ep.run(WORKFLOW);
        assertThatThrownBy(() -> job.await(Duration.ofMillis(300)))
                .isInstanceOfSatisfying(JobTimedOutException.class, e -> {
                    assertThat(e.jobId()).isEqualTo(job.id());
                    assertThat(e.lastState()).isEqualTo(JobState.IN_QUEUE);
                    assertThat(e.getMessage()).as("a duration as people read it, not PT0.3S")
                            .contains("did not finish within 300 ms; it is IN_QUEUE and goes on");
                });
        assertThat(ep.status(job.id()).state()).isEqualTo(JobState.IN_QUEUE);
        assertThat(ep.health().inQueue()).isEqualTo(1);
        assertThat(ep.purgeQueue()).isEqualTo(1);
        assertThat(ep.health().inQueue()).isZero();
    }

    @Test
    void aWrongKeyIsUnauthorized() {
        Endpoint wrong = gw.client("not-a-key", true).endpoint("ep");
        assertThatThrownBy(() -> wrong.run(WORKFLOW)).isInstanceOfSatisfying(UnauthorizedException.class,
                e -> assertThat(e.httpStatus()).isEqualTo(401));
        // a worker key does not open the client API
        assertThatThrownBy(() -> gw.client(LiveGateway.WORKER_KEY, true).endpoint("ep").health())
                .isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void unknownJobsAndEndpointsAreNotFound() {
        assertThatThrownBy(() -> ep.status("no-such-job")).isInstanceOfSatisfying(NotFoundException.class, e -> {
            assertThat(e.jobId()).isEqualTo("no-such-job");
            assertThat(e.serverMessage()).contains("no-such-job");
        });
        // over events: the 404 of a missing job is told apart from a missing route
        assertThatThrownBy(() -> ep.job("no-such-job").await(Duration.ofSeconds(5)))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> gw.client.endpoint("nope").run(WORKFLOW)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aRequestTheServerRefusesCarriesItsMessage() {
        RunOptions tooShort = RunOptions.defaults().executionTimeout(Duration.ofSeconds(1));
        assertThatThrownBy(() -> ep.run(WORKFLOW, List.of(), tooShort))
                .isInstanceOfSatisfying(RequestRejectedException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.serverMessage()).contains("executionTimeout");
                });
    }

    @Test
    void statusOfAnExistingJobFromAnotherHandle() throws Exception {
        String id = ep.run(WORKFLOW).id();
        worker.take();
        worker.complete(id, "x.png", PNG, null, null, 0);
        JobResult result = ep.job(id).await(Duration.ofSeconds(10));
        assertThat(result.outputs()).singleElement().extracting(Output::filename).isEqualTo("x.png");
        assertThat(ep.status(id).state()).isEqualTo(JobState.COMPLETED);
    }
}
