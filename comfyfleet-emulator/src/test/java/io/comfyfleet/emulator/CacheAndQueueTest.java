package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.emulator.testing.ComfyTestClient;
import io.comfyfleet.emulator.testing.Frame;
import io.comfyfleet.emulator.testing.TestEmulator;
import io.comfyfleet.emulator.testing.Workflows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The classic output cache, /free, the queue's numbers and deletes, and interrupts. */
class CacheAndQueueTest {
    @TempDir
    Path dir;

    @Test
    void identicalPromptRunsNothingAndReplaysTheSameFiles() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            JsonNode first = comfy.run(Workflows.basic(0x333333));
            JsonNode second = comfy.run(Workflows.basic(0x333333));
            assertThat(second.get("outputs")).isEqualTo(first.get("outputs"));
            String secondId = second.get("prompt").get(1).asString();
            List<Frame> frames = comfy.framesOf(secondId);
            assertThat(frames).filteredOn(f -> f.type().equals("execution_cached")).singleElement()
                    .satisfies(f -> assertThat(f.data().get("nodes").toString()).isEqualTo("[\"1\",\"2\",\"3\"]"));
            assertThat(frames).noneMatch(f -> f.type().equals("executing") && !f.data().path("node").isNull());
            try (var files = Files.list(dir.resolve("output"))) {
                assertThat(files.toList()).as("nothing re-saved").hasSize(1);
            }
        }
    }

    @Test
    void aChangedSeedReusesLoadersAndFreeMemoryDropsEverything() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            comfy.run(Workflows.textToImage("rand_a.safetensors", 1, 3, 64, 1));
            JsonNode warm = comfy.run(Workflows.textToImage("rand_a.safetensors", 2, 3, 64, 1));
            assertThat(cachedNodes(warm)).isEqualTo("[\"4\",\"5\",\"6\",\"7\"]");
            assertThat(comfy.client.post("/free", "{\"free_memory\": true}").status()).isEqualTo(200);
            JsonNode cold = comfy.run(Workflows.textToImage("rand_a.safetensors", 2, 3, 64, 1));
            if (!cachedNodes(cold).equals("[]")) {
                // ComfyUI applies /free between prompts: a prompt queued before the worker thread woke up to
                // the flags runs first (still cached), and the flags apply right after it
                cold = comfy.run(Workflows.textToImage("rand_a.safetensors", 2, 3, 64, 1));
            }
            assertThat(cachedNodes(cold)).isEqualTo("[]");
        }
    }

    @Test
    void aPromptThatSharesNothingEmptiesTheCache() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            comfy.run(Workflows.basic(1));
            comfy.run(Workflows.slow(1, 0));
            JsonNode again = comfy.run(Workflows.basic(1));
            assertThat(cachedNodes(again)).as("classic mode keeps only what the next prompt shares").isEqualTo("[]");
        }
    }

    @Test
    void counterNumbersAreIntegersClientNumbersFloatsAndDeletedPromptsNeverRun() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            String blocker = comfy.submit(Workflows.slow(200, 50)); // runs 10 s unless interrupted
            // the worker thread pops the blocker asynchronously: wait until it runs, as a client would see it
            org.awaitility.Awaitility.await().atMost(TestEmulator.WAIT).until(() ->
                    !comfy.client.get("/queue").json().get("queue_running").isEmpty());
            ComfyTestClient.Answer queued = comfy.client.post("/prompt",
                    "{\"prompt\":" + Workflows.basic(2) + ",\"number\":7}");
            assertThat(queued.json().get("number").isDouble()).isTrue();
            String doomed = queued.json().get("prompt_id").asString();
            JsonNode queue = comfy.client.get("/queue").json();
            assertThat(queue.get("queue_running").get(0).get(1).asString()).isEqualTo(blocker);
            assertThat(queue.get("queue_pending").get(0).get(1).asString()).isEqualTo(doomed);
            comfy.client.post("/queue", "{\"delete\": [\"" + doomed + "\"]}");
            comfy.client.post("/interrupt", "{}");
            comfy.socket.await(ComfyTestClient.executingNull(blocker), TestEmulator.WAIT);
            assertThat(comfy.client.get("/history/" + blocker).json().get(blocker).get("status").get("status_str").asString())
                    .isEqualTo("error");
            assertThat(comfy.client.get("/queue").json().get("queue_pending")).isEmpty();
            assertThat(comfy.client.get("/history/" + doomed).json().isEmpty()).isTrue();
            assertThat(comfy.client.get("/prompt").json().toString()).isEqualTo("{\"exec_info\":{\"queue_remaining\":0}}");
        }
    }

    @Test
    void aTargetedInterruptForAnotherPromptIsIgnored() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            String id = comfy.submit(Workflows.slow(4, 50));
            comfy.client.post("/interrupt", "{\"prompt_id\": \"not-running\"}");
            comfy.socket.await(ComfyTestClient.executingNull(id), TestEmulator.WAIT);
            JsonNode entry = comfy.client.get("/history/" + id).json().get(id);
            assertThat(entry.get("status").get("status_str").asString()).isEqualTo("success");
            assertThat(comfy.client.get("/history?max_items=1").json().propertyNames()).containsExactly(id);
        }
    }

    @Test
    void aReconnectingClientIsToldWhichNodeIsExecuting() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            // node 2 outlasts WAIT, so it is still the executing node however late the reconnect gets
            // scheduled; the interrupt then ends the run and its end marker must reach the new socket
            String id = comfy.submit(Workflows.slow(600, 50));
            comfy.socket.await(f -> f.type().equals("progress"), TestEmulator.WAIT);
            try (ComfyTestClient.Socket again = comfy.client.connect(comfy.clientId)) {
                again.await(f -> f.type().equals("executing"), TestEmulator.WAIT);
                List<Frame> frames = again.frames();
                assertThat(frames.get(0).type()).as("the greeting comes first, before any preview").isEqualTo("status");
                assertThat(frames.get(0).data().get("sid").asString()).isEqualTo(comfy.clientId);
                assertThat(frames.get(1).type()).isEqualTo("executing");
                assertThat(frames.get(1).data().toString()).isEqualTo("{\"node\":\"2\"}");
                comfy.client.post("/interrupt", "{}");
                again.await(ComfyTestClient.executingNull(id), TestEmulator.WAIT);
            }
        }
    }

    /**
     * The race behind the test above, made frequent: a step (progress_state, progress, preview) every 2 ms
     * while the same client reconnects again and again. The greeting must still be the first two frames.
     */
    @Test
    void aReconnectingClientsGreetingIsNeverOvertakenByTheRunningPromptsEvents() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            String id = comfy.submit(Workflows.slow(10000, 2));
            comfy.socket.await(f -> f.type().equals("progress"), TestEmulator.WAIT);
            for (int i = 0; i < 100; i++) {
                try (ComfyTestClient.Socket again = comfy.client.connect(comfy.clientId)) {
                    again.await(f -> f.type().equals("executing"), TestEmulator.WAIT);
                    List<String> firstTwo = again.frames().subList(0, 2).stream().map(Frame::type).toList();
                    assertThat(firstTwo).as("reconnect #" + i).containsExactly("status", "executing");
                }
            }
            // Ends the 20 s prompt. Its end is read from the history, not from a socket of this sid: the
            // server may handle the last reconnect's close after a newer connect, and ComfyUI's close handler
            // pops the sid whichever socket owns it, so a socket opened now can lose its addressed frames.
            comfy.client.post("/interrupt", "{}");
            org.awaitility.Awaitility.await().atMost(TestEmulator.WAIT)
                    .until(() -> !comfy.client.get("/history/" + id).json().isEmpty());
        }
    }

    @Test
    void withoutAClientIdOnlyStatusAndProgressAreBroadcast() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            String id = comfy.client.post("/prompt", Workflows.request(Workflows.slow(2, 0), null)).json().get("prompt_id").asString();
            org.awaitility.Awaitility.await().atMost(TestEmulator.WAIT).until(() -> !comfy.client.get("/history/" + id).json().isEmpty());
            Thread.sleep(100);
            List<String> types = comfy.socket.frames().stream().map(Frame::type).distinct().toList();
            assertThat(types).containsExactlyInAnyOrder("status", "progress_state", "progress", "binary");
            assertThat(comfy.socket.frames()).filteredOn(f -> f.type().equals("progress")).hasSize(2);
        }
    }

    private static String cachedNodes(JsonNode entry) {
        return entry.get("status").get("messages").get(1).get(1).get("nodes").toString();
    }
}
