package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.worker.WorkerSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What a client sees through the real gateway when things go wrong on the worker's side: a node raises, the
 * endpoint's execution timeout runs out, ComfyUI dies mid-job, the WebSocket drops mid-job. The emulator runs
 * as a separate process in zero-time mode; its fault knobs are set over its control route.
 */
class EndToEndFailureTest {
    /** EmptyImage → ImageInvert (the node the faults aim at) → SaveImage. */
    private static final String INVERT = "{\"workflow\":{"
            + "\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":48,\"batch_size\":1,\"color\":%d}},"
            + "\"2\":{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}},"
            + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"fail\"}}}}";
    /** EmptyImage → SaveImage: untouched by a fault aimed at ImageInvert. */
    private static final String PLAIN = "{\"workflow\":{"
            + "\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":48,\"batch_size\":1,\"color\":%d}},"
            + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],\"filename_prefix\":\"plain\"}}}}";

    @TempDir
    Path dir;
    private Fleet fleet;

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    private static Fleet.Options zeroTime() {
        return Fleet.Options.defaults().emulatorFlags("--zero-time");
    }

    private void assertNextJobCompletes(int color) throws Exception {
        JsonNode next = fleet.awaitTerminal(fleet.run(PLAIN.formatted(color)));
        assertThat(next.path("status").asString()).as("the next job: %s", next).isEqualTo("COMPLETED");
        assertThat(next.path("output").path("images")).hasSize(1);
    }

    @Test
    void aNodeThatRaisesFailsTheJobWithItsIdTypeAndMessage() throws Exception {
        fleet = Fleet.start(dir, zeroTime());
        fleet.faults("{\"fail\": {\"node\": \"ImageInvert\"}}");

        JsonNode failed = fleet.awaitTerminal(fleet.run(INVERT.formatted(1)));

        assertThat(failed.path("status").asString()).as("%s", failed).isEqualTo("FAILED");
        assertThat(failed.path("error").asString())
                .startsWith("Node 2 (ImageInvert) failed: RuntimeError: ")
                .contains("failure requested");
        JsonNode output = failed.path("output");
        assertThat(output.path("reason").asString()).isEqualTo("node_error");
        assertThat(output.path("node_id").asString()).isEqualTo("2");
        assertThat(output.path("node_type").asString()).isEqualTo("ImageInvert");
        assertThat(output.path("exception_type").asString()).isEqualTo("RuntimeError");
        assertThat(output.path("exception_message").asString()).contains("failure requested");
        assertNextJobCompletes(2);
    }

    @Test
    void theEndpointExecutionTimeoutTimesTheJobOutAndTheWorkerStopsThePrompt() throws Exception {
        fleet = Fleet.start(dir, zeroTime().executionTimeout("5s"));
        fleet.faults("{\"hang\": {\"node\": \"ImageInvert\"}}");

        String id = fleet.run(INVERT.formatted(3));
        JsonNode timedOut = fleet.awaitTerminal(id);

        assertThat(timedOut.path("status").asString()).as("%s", timedOut).isEqualTo("TIMED_OUT");
        // the hang is still armed (only an interrupt releases it), so an empty ComfyUI queue proves the
        // worker interrupted the prompt on the gateway's job-stop
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            JsonNode queue = comfyGet("/queue");
            assertThat(queue.path("queue_running")).as("ComfyUI queue %s", queue).isEmpty();
            assertThat(queue.path("queue_pending")).isEmpty();
        });
        assertThat(fleet.status(id).path("status").asString()).isEqualTo("TIMED_OUT");
        assertNextJobCompletes(4);
    }

    @Test
    void comfyDyingMidJobFailsTheJobRestartsComfyAndTheNextJobCompletes() throws Exception {
        fleet = Fleet.start(dir, zeroTime());
        long firstPid = awaitComfyPid();
        // halt: gone at once, as after a kill -9 (137), not after the emulator's own orderly exit of a few seconds
        fleet.faults("{\"exit\": {\"node\": \"ImageInvert\", \"code\": 137, \"halt\": true}}");

        JsonNode failed = fleet.awaitTerminal(fleet.run(INVERT.formatted(5)));

        assertThat(failed.path("status").asString()).as("%s", failed).isEqualTo("FAILED");
        assertThat(failed.path("output").path("reason").asString()).isEqualTo("comfyui_crashed");
        assertNextJobCompletes(6);
        assertThat(fleet.comfyPid()).as("ComfyUI was restarted").isNotIn(-1L, firstPid);
    }

    @Test
    void comfyDyingMidJobHandsTheJobBackWhenSoConfiguredAndItRunsAgain() throws Exception {
        // a handed-back job drops out of the heartbeat; the 2 s lease then runs out and the job is queued again
        fleet = Fleet.start(dir, zeroTime().onCrash(WorkerSettings.CrashPolicy.HAND_BACK)
                .lease("2s", Duration.ofMillis(100), Duration.ofMillis(500)));
        long firstPid = awaitComfyPid();
        fleet.faults("{\"exit\": {\"node\": \"ImageInvert\", \"code\": 137, \"halt\": true}}");

        JsonNode done = fleet.awaitTerminal(fleet.run(INVERT.formatted(7)));

        // the restarted ComfyUI has no fault plan, so the second attempt completes
        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.path("retries").asInt()).isEqualTo(1);
        assertThat(fleet.comfyPid()).as("ComfyUI was restarted").isNotIn(-1L, firstPid);
        assertNextJobCompletes(8);
    }

    @Test
    void aWebSocketDropMidJobDoesNotAffectTheJob() throws Exception {
        fleet = Fleet.start(dir, zeroTime());
        // SlowProgress keeps its own delay in zero-time mode: 10 steps of 100 ms, so the drop lands mid-job
        String slow = "{\"workflow\":{"
                + "\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":48,\"batch_size\":1,\"color\":9}},"
                + "\"2\":{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],\"steps\":10,\"delay_ms\":100,\"fail_at\":-1}},"
                + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"ws\"}}}}";
        String id = fleet.run(slow);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> fleet.status(id).path("output").path("step").asInt(0) >= 1);
        fleet.faults("{\"drop_websocket\": {\"after_frames\": 0}}");

        JsonNode done = fleet.awaitTerminal(id);

        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.path("output").path("images")).hasSize(1);
        assertThat(done.path("output").path("outputs").get(0).path("node_id").asString()).isEqualTo("3");
    }

    private long awaitComfyPid() {
        long[] pid = new long[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> (pid[0] = fleet.comfyPid()) > 0);
        return pid[0];
    }

    private JsonNode comfyGet(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + fleet.comfyPort + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return io.comfyfleet.common.json.Json.MAPPER.readTree(r.body());
    }
}
