package io.comfyfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.gateway.GatewayClient;
import io.comfyfleet.worker.gateway.ResultOutbox;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

class WorkerLoopTest {
    private final FakeGateway gw = new FakeGateway(Duration.ofMillis(100));
    @TempDir
    Path spool;
    private Worker worker;

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.shutdown(Duration.ofSeconds(1));
        }
        gw.close();
    }

    private Worker start(JobHandler handler) throws Exception {
        GatewayClient client = new GatewayClient(GatewayEndpoints.forGateway(gw.url(), "ep", "w1", "KEY", Duration.ofMillis(100)));
        Backoff fast = new Backoff(Duration.ofMillis(20), Duration.ofMillis(100));
        ResultOutbox outbox = ResultOutbox.open(client, spool, fast, Clock.systemUTC());
        worker = new Worker(client, outbox, handler,
                new Worker.Timings(Duration.ofMillis(50), fast, Duration.ofSeconds(2)));
        worker.start();
        return worker;
    }

    @Test
    void takesJobsReportsProgressAndPostsResults() throws Exception {
        start((job, ctx) -> {
            ctx.progress(Json.MAPPER.readTree("{\"percent\":50}"));
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.putObject("output").put("echo", job.input().path("x").asInt());
            return new JobOutcome.Finished(body);
        });
        gw.jobs.add("{\"id\":\"a\",\"input\":{\"x\":1}}");
        gw.jobs.add("{\"id\":\"b\",\"input\":{\"x\":2}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> gw.requests("POST", "/job-done/w1/b").size() == 2);
        var doneA = gw.requests("POST", "/job-done/w1/a");
        assertThat(doneA.get(0).json().path("status").asString()).isEqualTo("IN_PROGRESS");
        assertThat(doneA.get(1).json().path("output").path("echo").asInt()).isEqualTo(1);
    }

    @Test
    void everyJobTakeTellsTheModelsOfTheLastSuccessfulPrompt() throws Exception {
        start((job, ctx) -> {
            ObjectNode body = Json.MAPPER.createObjectNode();
            if (job.id().equals("fails")) {
                body.put("error", "a node raised");
            } else {
                body.putObject("output");
            }
            return new JobOutcome.Finished(body);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> !gw.requests("GET", "/job-take/w1").isEmpty());
        assertThat(gw.requests("GET", "/job-take/w1").getFirst().param("models")).as("nothing run yet").isEmpty();
        gw.jobs.add("{\"id\":\"ok\",\"input\":{\"workflow\":{\"4\":{\"class_type\":\"CheckpointLoaderSimple\","
                + "\"inputs\":{\"ckpt_name\":\"rand_a.safetensors\"}}}}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> !gw.requests("POST", "/job-done/w1/ok").isEmpty());
        gw.jobs.add("{\"id\":\"fails\",\"input\":{\"workflow\":{\"4\":{\"class_type\":\"CheckpointLoaderSimple\","
                + "\"inputs\":{\"ckpt_name\":\"rand_b.safetensors\"}}}}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> !gw.requests("POST", "/job-done/w1/fails").isEmpty());
        int after = gw.requests("GET", "/job-take/w1").size();
        await().atMost(Duration.ofSeconds(10)).until(() -> gw.requests("GET", "/job-take/w1").size() > after);
        assertThat(gw.requests("GET", "/job-take/w1").getLast().param("models"))
                .as("the failed prompt changed nothing").isEqualTo("rand_a.safetensors");
    }

    @Test
    void eachAcceptedResultReportsTheJobsTimingMarksInOrder() throws Exception {
        java.util.concurrent.BlockingQueue<JobTimings> timings = new java.util.concurrent.LinkedBlockingQueue<>();
        start((job, ctx) -> {
            if (job.id().equals("ran")) {
                ctx.markPromptSubmitted();
                ctx.markComfyDone();
            }
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.putObject("output");
            return new JobOutcome.Finished(body);
        }).onJobTimings(timings::add);
        gw.jobs.add("{\"id\":\"ran\",\"input\":{}}");
        gw.jobs.add("{\"id\":\"refused-early\",\"input\":{}}");

        JobTimings ran = timings.poll(10, TimeUnit.SECONDS);
        JobTimings early = timings.poll(10, TimeUnit.SECONDS);

        assertThat(ran).isNotNull();
        assertThat(ran.jobId()).isEqualTo("ran");
        assertThat(ran.complete()).isTrue();
        assertThat(ran.takenNanos()).isLessThanOrEqualTo(ran.promptSubmittedNanos());
        assertThat(ran.promptSubmittedNanos()).isLessThanOrEqualTo(ran.comfyDoneNanos());
        assertThat(ran.comfyDoneNanos()).isLessThanOrEqualTo(ran.resultReadyNanos());
        assertThat(ran.resultReadyNanos()).isLessThanOrEqualTo(ran.resultPostedNanos());
        assertThat(ran.takenToSubmitted().isNegative()).isFalse();
        assertThat(ran.doneToPosted()).isGreaterThanOrEqualTo(ran.doneToReady());
        // a job that never reached ComfyUI still reports, but not as complete
        assertThat(early).isNotNull();
        assertThat(early.jobId()).isEqualTo("refused-early");
        assertThat(early.complete()).isFalse();
        assertThat(early.promptSubmittedNanos()).isZero();
    }

    @Test
    void heartbeatCarriesTheRunningJobAndJobStopEndsItWithoutJobDone() throws Exception {
        CountDownLatch stopActionRan = new CountDownLatch(1);
        start((job, ctx) -> {
            CountDownLatch stopped = new CountDownLatch(1);
            ctx.onStop(() -> {
                stopActionRan.countDown();
                stopped.countDown();
            });
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no stop arrived");
            }
            return new JobOutcome.Stopped();
        });
        gw.jobs.add("{\"id\":\"long\",\"input\":{}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> gw.requests("GET", "/ping/w1").stream()
                .anyMatch(r -> "long".equals(r.param("job_id"))));
        gw.stops.add("long");
        assertThat(stopActionRan.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.currentJobId() == null);
        assertThat(gw.requests("POST", "/job-done/w1/long")).isEmpty();
    }

    @Test
    void shutdownHandsBackAJobThatOutlivesTheGrace() throws Exception {
        start((job, ctx) -> {
            CountDownLatch stopped = new CountDownLatch(1);
            ctx.onStop(stopped::countDown);
            stopped.await(10, TimeUnit.SECONDS);
            return ctx.stopRequested() == JobContext.StopReason.SHUTDOWN
                    ? new JobOutcome.HandedBack("worker shutting down")
                    : new JobOutcome.Finished(Json.MAPPER.createObjectNode());
        });
        gw.jobs.add("{\"id\":\"slow\",\"input\":{}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> "slow".equals(worker.currentJobId()));
        worker.shutdown(Duration.ofMillis(200));
        assertThat(worker.awaitStopped(Duration.ofSeconds(5))).isTrue();
        assertThat(gw.requests("POST", "/job-done/w1/slow")).isEmpty();
        int takes = gw.requests("GET", "/job-take/").size();
        // nothing may poll after shutdown
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> gw.requests("GET", "/job-take/").size() == takes);
    }

    @Test
    void gatewayOutageIsRiddenOut() throws Exception {
        gw.takeStatus = 503;
        start((job, ctx) -> new JobOutcome.Finished(Json.MAPPER.readTree("{\"output\":\"ok\"}")));
        await().atMost(Duration.ofSeconds(10)).until(() -> gw.requests("GET", "/job-take/").size() >= 3);
        gw.takeStatus = 0;
        gw.jobs.add("{\"id\":\"after\",\"input\":{}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> gw.requests("POST", "/job-done/w1/after").size() == 1);
    }
}
