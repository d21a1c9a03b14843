package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.emulator.faults.FaultPlan;
import io.comfyfleet.emulator.faults.NodeFault;
import io.comfyfleet.emulator.testing.ComfyTestClient;
import io.comfyfleet.emulator.testing.Frame;
import io.comfyfleet.emulator.testing.TestEmulator;
import io.comfyfleet.emulator.testing.Workflows;
import io.comfyfleet.testkit.FreePorts;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The fault knobs, set at start (config) and at run time (POST /emulator/faults), and the startup modes. */
class FaultKnobsTest {
    @TempDir
    Path dir;

    @Test
    void aNodeFailsAtTheRequestedStepAfterThatManyProgressEvents() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir,
                b -> b.faults(new FaultPlan(new NodeFault("KSampler", 3), null, null, false, null, 1, false)))) {
            String id = comfy.submit(Workflows.textToImage("rand_a.safetensors", 1, 10, 64, 1));
            comfy.socket.await(ComfyTestClient.executingNull(id), TestEmulator.WAIT);
            List<Frame> frames = comfy.framesOf(id);
            assertThat(frames).filteredOn(f -> f.type().equals("progress")).hasSize(3);
            JsonNode error = frames.stream().filter(f -> f.type().equals("execution_error")).findFirst().orElseThrow().data();
            assertThat(error.get("node_id").asString()).isEqualTo("3");
            assertThat(error.get("exception_type").asString()).isEqualTo("RuntimeError");
            assertThat(error.get("exception_message").asString()).isEqualTo("failure requested at step 3\n");
            assertThat(error.get("current_inputs").has("seed")).isTrue();
        }
    }

    @Test
    void outOfMemoryIsSetOverTheControlRouteAndReportedLikeTorch() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            ComfyTestClient.Answer set = comfy.client.post("/emulator/faults", "{\"oom\": {\"node\": \"VAEDecode\"}}");
            assertThat(set.status()).isEqualTo(200);
            assertThat(comfy.client.get("/emulator/faults").json().toString()).isEqualTo("{\"oom\":{\"node\":\"VAEDecode\",\"step\":0}}");
            JsonNode entry = comfy.run(Workflows.textToImage("rand_a.safetensors", 1, 2, 64, 1));
            JsonNode error = entry.get("status").get("messages").get(2).get(1);
            assertThat(error.get("exception_type").asString()).isEqualTo("torch.OutOfMemoryError");
            assertThat(error.get("exception_message").asString()).contains("This error means you ran out of memory on your GPU.");
            assertThat(comfy.client.post("/emulator/faults", "{\"oops\": 1}").status()).isEqualTo(400);
            assertThat(comfy.client.post("/emulator/faults", "{\"fail\": {\"step\": 1}}").json().get("error").asString())
                    .contains("\"node\"");
            comfy.client.send(HttpRequest.newBuilder(comfy.emulator.baseUri().resolve("/emulator/faults")).DELETE().build());
            assertThat(comfy.run(Workflows.textToImage("rand_a.safetensors", 2, 2, 64, 1)).get("status").get("status_str").asString())
                    .isEqualTo("success");
        }
    }

    @Test
    void aHungNodeEndsOnInterruptUnlessItIgnoresThem() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            comfy.client.post("/emulator/faults", "{\"hang\": {\"node\": \"ImageInvert\"}}");
            String hung = comfy.submit(Workflows.basic(5));
            comfy.socket.await(f -> f.type().equals("executing") && "2".equals(f.data().path("node").asString(null)), TestEmulator.WAIT);
            comfy.client.post("/interrupt", "{\"prompt_id\": \"" + hung + "\"}");
            comfy.socket.await(ComfyTestClient.executingNull(hung), TestEmulator.WAIT);
            assertThat(comfy.framesOf(hung)).anyMatch(f -> f.type().equals("execution_interrupted"));

            comfy.client.post("/emulator/faults", "{\"hang\": {\"node\": \"ImageInvert\", \"ignore_interrupt\": true}}");
            String stubborn = comfy.submit(Workflows.basic(6));
            // interrupt only once node 2 is held: between its executing frame and the hang, an interrupt stops it
            // at ComfyUI's before-node check instead, which is not what this part is about
            org.awaitility.Awaitility.await().atMost(TestEmulator.WAIT)
                    .until(() -> "2".equals(comfy.client.get("/emulator/faults").json().path("hanging_node").asString(null)));
            comfy.client.post("/interrupt", "");
            Thread.sleep(200);
            assertThat(comfy.client.get("/queue").json().get("queue_running")).as("still hung after an interrupt").hasSize(1);
            comfy.client.post("/emulator/faults", "{}");
            comfy.socket.await(ComfyTestClient.executingNull(stubborn), TestEmulator.WAIT);
            assertThat(comfy.client.get("/emulator/faults").json().has("hanging_node")).as("released").isFalse();
            // the hung node ignored the interrupt; ComfyUI's flag stays set, so the next node's check point stops the run
            JsonNode interrupted = comfy.framesOf(stubborn).stream().filter(f -> f.type().equals("execution_interrupted"))
                    .findFirst().orElseThrow().data();
            assertThat(interrupted.get("node_id").asString()).isEqualTo("3");
            assertThat(interrupted.get("executed").toString()).isEqualTo("[\"1\",\"2\"]");
        }
    }

    @Test
    void webSocketsAreDroppedAfterNFramesOrNow() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            comfy.client.post("/emulator/faults", "{\"drop_websocket\": {\"after_frames\": 3}}");
            comfy.submit(Workflows.basic(9));
            await().atMost(TestEmulator.WAIT).until(comfy.socket::isClosed);
            assertThat(comfy.socket.frames()).hasSize(1 + 3);
            var again = comfy.client.connect("again");
            again.await(ComfyTestClient.ofType("status"), TestEmulator.WAIT);
            comfy.emulator.dropWebSockets(0);
            await().atMost(TestEmulator.WAIT).until(again::isClosed);
        }
    }

    @Test
    void aStalledRouteTakesTheRequestAndAnswersNothingUntilTheStallIsLifted() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            assertThat(comfy.client.post("/emulator/faults", "{\"stall\": {\"routes\": [\"POST /prompt\", \"GET /history\"]}}")
                    .status()).isEqualTo(200);
            HttpClient http = HttpClient.newHttpClient();
            String body = "{\"prompt\": " + Workflows.basic(11) + "}";
            var held = http.sendAsync(HttpRequest.newBuilder(comfy.emulator.baseUri().resolve("/api/prompt"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(TestEmulator.WAIT).until(() -> comfy.client.get("/emulator/faults").json()
                    .path("held_requests").asInt(0) == 1);
            assertThat(comfy.client.get("/emulator/faults").json().get("stall").toString())
                    .isEqualTo("{\"routes\":[\"POST /prompt\",\"GET /history\"]}");
            var history = http.sendAsync(HttpRequest.newBuilder(comfy.emulator.baseUri().resolve("/history/abc")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(comfy.client.get("/queue").status()).as("other routes answer").isEqualTo(200);
            Thread.sleep(300);
            assertThat(held).isNotDone();
            assertThat(history).isNotDone();

            comfy.client.post("/emulator/faults", "{}");
            assertThat(held.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).as("late, once lifted").isEqualTo(200);
            assertThat(history.get(10, java.util.concurrent.TimeUnit.SECONDS).body()).isEqualTo("{}");
            assertThat(comfy.client.post("/emulator/faults", "{\"stall\": {\"routes\": [\"GET /emulator/faults\"]}}")
                    .status()).as("the route that lifts it").isEqualTo(400);
        }
    }

    @Test
    void theDropKnobCanBeSetAtStart() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir, b -> b.dropWebSocketsAfter(2))) {
            comfy.submit(Workflows.basic(10));
            await().atMost(TestEmulator.WAIT).until(comfy.socket::isClosed);
            assertThat(comfy.socket.frames()).as("the connect status and one more").hasSize(2);
        }
    }

    @Test
    void refuseModeRefusesConnectionsUntilTheStartupDelayIsOver() throws Exception {
        int port = FreePorts.one(); // not bound until the startup delay is over
        RunningEmulator comfy = ComfyEmulator.start(EmulatorConfig.builder().port(port).baseDirectory(dir)
                .timing(TimingModel.zero().withStartup(Duration.ofMillis(800))).build());
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI stats = URI.create("http://127.0.0.1:" + port + "/system_stats");
            try {
                http.send(HttpRequest.newBuilder(stats).build(), HttpResponse.BodyHandlers.ofString());
                throw new AssertionError("the port should not be bound yet");
            } catch (ConnectException expected) {
                assertThat(comfy.isReady()).isFalse();
            }
            await().atMost(TestEmulator.WAIT).ignoreExceptions().until(() ->
                    http.send(HttpRequest.newBuilder(stats).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            assertThat(comfy.isReady()).isTrue();
        } finally {
            comfy.close();
        }
    }

    @Test
    void aPortInUseIsATypedErrorNamingTheAddress() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            EmulatorConfig config = EmulatorConfig.builder().port(taken.getLocalPort()).baseDirectory(dir).zeroTime().build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ComfyEmulator.start(config))
                    .isInstanceOf(EmulatorException.class).hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void lateModeAcceptsAtOnceButAnswersOnlyWhenReady() throws Exception {
        RunningEmulator comfy = ComfyEmulator.start(EmulatorConfig.builder().port(0).baseDirectory(dir)
                .startupMode(StartupMode.LATE).timing(TimingModel.zero().withStartup(Duration.ofMillis(600))).build());
        try {
            long started = System.nanoTime();
            HttpResponse<String> stats = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(comfy.baseUri().resolve("/system_stats")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stats.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("held until ready").isGreaterThan(Duration.ofMillis(300));
        } finally {
            comfy.close();
        }
    }
}
