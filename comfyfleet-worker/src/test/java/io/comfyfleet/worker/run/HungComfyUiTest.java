package io.comfyfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.JobContext;
import io.comfyfleet.worker.JobOutcome;
import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.gateway.TakenJob;
import io.comfyfleet.worker.input.UrlPolicy;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A ComfyUI that takes the connection and never answers (the emulator's {@code stall} knob, as a ComfyUI whose event
 * loop is stuck): a stop does not wait for the call's bound, and a ComfyUI that outlasts the bound is restarted.
 */
@Timeout(180)
class HungComfyUiTest {
    @TempDir
    static Path work;
    private static ComfySupervisor comfy;
    private static final AtomicInteger COLOR = new AtomicInteger(1);

    @BeforeAll
    static void startComfy() throws Exception {
        comfy = EmulatorProcess.launch(work.resolve("comfy"), "--zero-time");
        comfy.start();
    }

    @AfterAll
    static void stopComfy() {
        comfy.close();
    }

    @AfterEach
    void liftTheStall() throws Exception {
        if (comfy.awaitReady(Duration.ofSeconds(60))) {
            EmulatorProcess.faults(comfy, "{}");
        }
    }

    @Test
    void aStopWhileComfyUiDoesNotAnswerTheSubmitEndsTheJobAtOnce() throws Exception {
        EmulatorProcess.faults(comfy, "{\"stall\":{\"routes\":[\"POST /prompt\"]}}");
        RecordingContext ctx = new RecordingContext();
        // the worker's own bound on the submit (30 s): the stop must not wait for it
        ComfyJobHandler handler = new ComfyJobHandler(comfy, settings());
        try {
            CompletableFuture<JobOutcome> outcome = runAsync(handler, job("cancel-1"), ctx);
            await().atMost(Duration.ofSeconds(20)).until(() -> EmulatorProcess.heldRequests(comfy) > 0);

            long asked = System.nanoTime();
            ctx.requestStop(JobContext.StopReason.GATEWAY_STOP);

            assertThat(outcome.get(2, TimeUnit.SECONDS)).isInstanceOf(JobOutcome.Stopped.class);
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(2));
        } finally {
            handler.close();
        }
    }

    @Test
    void aComfyUiThatDoesNotAnswerTheSubmitIsRestartedAndTheNextJobRuns() throws Exception {
        EmulatorProcess.faults(comfy, "{\"stall\":{\"routes\":[\"POST /prompt\"]}}");
        long hungPid = comfy.process().orElseThrow().pid();
        ComfyClient shortBound = ComfyClient.builder(comfy.baseUrl()).requestTimeout(Duration.ofSeconds(30))
                .quickCallTimeout(Duration.ofSeconds(1)).build();
        ComfyJobHandler handler = new ComfyJobHandler(comfy, settings(), shortBound, Clock.systemUTC());
        try {
            JsonNode failed = body(handler.handle(job("hung-1"), new RecordingContext()));

            assertThat(failed.path("output").path("reason").asString()).as("%s", failed).isEqualTo("comfyui_crashed");
            assertThat(failed.path("error").asString()).isEqualTo("ComfyUI stopped answering (POST /prompt got no"
                    + " answer within 1 s); the worker restarted ComfyUI. Retry the job.");
            assertThat(comfy.state()).isEqualTo(ComfySupervisor.State.READY);
            assertThat(comfy.process().orElseThrow().pid()).isNotEqualTo(hungPid);

            JsonNode next = body(handler.handle(job("hung-2"), new RecordingContext()));
            assertThat(next.has("error")).as("%s", next).isFalse();
            assertThat(next.path("output").path("images")).hasSize(1);
        } finally {
            handler.close();
        }
    }

    /**
     * ComfyUI hangs mid-run: no event comes (a node holds), and the run's idle check (after 10 s of quiet) gets no
     * answer from /history. Before, each look failed at the bound and the job waited for the execution timeout.
     */
    @Test
    void aComfyUiThatStopsAnsweringMidRunIsRestartedAtTheIdleCheck() throws Exception {
        EmulatorProcess.faults(comfy, "{\"hang\":{\"node\":\"ImageInvert\"},"
                + "\"stall\":{\"routes\":[\"GET /history\",\"GET /queue\"]}}");
        long hungPid = comfy.process().orElseThrow().pid();
        ComfyClient shortBound = ComfyClient.builder(comfy.baseUrl()).requestTimeout(Duration.ofSeconds(30))
                .quickCallTimeout(Duration.ofSeconds(1)).build();
        ComfyJobHandler handler = new ComfyJobHandler(comfy, settings(), shortBound, Clock.systemUTC());
        try {
            String input = "{\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":32,"
                    + "\"height\":32,\"batch_size\":1,\"color\":" + COLOR.getAndIncrement() + "}},\"2\":{\"class_type\":"
                    + "\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}},\"3\":{\"class_type\":\"SaveImage\","
                    + "\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"hung\"}}}}";
            ObjectNode raw = (ObjectNode) Json.MAPPER.readTree("{\"id\":\"mid-1\",\"input\":" + input + "}");
            CompletableFuture<JobOutcome> outcome = runAsync(handler, new TakenJob("mid-1", raw.get("input"), raw),
                    new RecordingContext());

            // the idle check comes after 10 s of quiet; the execution timeout (5 min) must not be what ends it
            JsonNode failed = body(outcome.get(40, TimeUnit.SECONDS));
            assertThat(failed.path("error").asString()).as("%s", failed).startsWith("ComfyUI stopped answering (GET /")
                    .endsWith("got no answer within 1 s); the worker restarted ComfyUI. Retry the job.");
            assertThat(comfy.process().orElseThrow().pid()).isNotEqualTo(hungPid);
            assertThat(body(handler.handle(job("mid-2"), new RecordingContext())).has("error")).isFalse();
        } finally {
            handler.close();
        }
    }

    private static WorkerSettings settings() {
        WorkerSettings.JobSettings job = new WorkerSettings.JobSettings(Duration.ofMinutes(5), Duration.ofSeconds(5),
                WorkerSettings.CrashPolicy.FAIL, Duration.ZERO, 256);
        return new WorkerSettings(GatewayEndpoints.forGateway("http://127.0.0.1:1", "ep", "w1", "K", Duration.ofSeconds(1)),
                comfy.baseUrl(), null, new SupervisorSettings(Duration.ofSeconds(60), Duration.ofSeconds(5),
                        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), 3, Duration.ofMinutes(5), 20),
                work, Duration.ofSeconds(5), job, WorkerSettings.OutputSettings.inline(), UrlPolicy.defaults(), null);
    }

    /** EmptyImage (a colour no other job used, so nothing comes from ComfyUI's cache) → SaveImage. */
    private static TakenJob job(String id) {
        String input = "{\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":32,\"height\":32,"
                + "\"batch_size\":1,\"color\":" + COLOR.getAndIncrement() + "}},\"2\":{\"class_type\":\"SaveImage\","
                + "\"inputs\":{\"images\":[\"1\",0],\"filename_prefix\":\"hung\"}}}}";
        ObjectNode raw = (ObjectNode) Json.MAPPER.readTree("{\"id\":\"" + id + "\",\"input\":" + input + "}");
        return new TakenJob(id, raw.get("input"), raw);
    }

    private static JsonNode body(JobOutcome outcome) {
        assertThat(outcome).isInstanceOf(JobOutcome.Finished.class);
        return ((JobOutcome.Finished) outcome).body();
    }

    private static CompletableFuture<JobOutcome> runAsync(ComfyJobHandler h, TakenJob job, RecordingContext ctx) {
        CompletableFuture<JobOutcome> f = new CompletableFuture<>();
        Thread.ofPlatform().name("job-" + job.id()).start(() -> {
            try {
                f.complete(h.handle(job, ctx));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }
}
