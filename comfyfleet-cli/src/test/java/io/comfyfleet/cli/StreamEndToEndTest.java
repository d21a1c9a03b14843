package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code /stream} of a ComfyUI job, as RunPod's SDKs read it ({@code stream()} polls it until the job ends): the
 * real gateway, the real worker and the emulator process. The emulator runs on its H100 timing model (the fleet
 * leaves out {@code --zero-time}), so a KSampler of 150 steps takes seconds, 42 ms a step, and reports each step.
 */
class StreamEndToEndTest {
    private static final String SLOW_TXT2IMG = """
            {"workflow": {
              "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "rand_a.safetensors"}},
              "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse", "clip": ["1", 1]}},
              "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["1", 1]}},
              "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
              "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "seed": 42, "steps": 150, "cfg": 7.0,
                    "sampler_name": "euler", "scheduler": "simple", "positive": ["2", 0], "negative": ["3", 0],
                    "latent_image": ["4", 0], "denoise": 1.0}},
              "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
              "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "streamed"}}}}""";

    @TempDir
    Path dir;
    private Fleet fleet;

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void streamYieldsTheProgressOfARunningWorkflowAndStatusStillEndsWithTheResult() throws Exception {
        fleet = Fleet.start(dir, Fleet.Options.defaults());
        String id = fleet.run(SLOW_TXT2IMG);

        List<JsonNode> chunks = new ArrayList<>();
        int whileRunning = 0;
        String status = "IN_QUEUE";
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!List.of("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT").contains(status)) {
            assertThat(System.nanoTime()).as("the job ends within 120 s").isLessThan(deadline);
            // as the JS SDK's stream() polls: again at once, the gateway holds an empty poll
            JsonNode poll = fleet.call("GET", "/v2/ep1/stream/" + id + "?wait=2000", null);
            status = poll.path("status").asString();
            assertThat(poll.has("stream")).as("RunPod's SDKs index stream: %s", poll).isTrue();
            for (JsonNode chunk : poll.path("stream")) {
                chunks.add(chunk.path("output"));
                if (status.equals("IN_PROGRESS")) {
                    whileRunning++;
                }
            }
        }

        assertThat(status).isEqualTo("COMPLETED");
        assertThat(whileRunning).as("chunks handed out while the workflow ran: %s", chunks).isGreaterThanOrEqualTo(5);
        assertThat(chunks).as("each chunk is a progress update").allSatisfy(c -> {
            assertThat(c.has("percent")).as("%s", c).isTrue();
            assertThat(c.path("prompt_id").asString()).isNotEmpty();
            assertThat(c.path("nodes_total").asInt()).isEqualTo(7);
        });
        assertThat(chunks).as("the sampler's steps are streamed").anySatisfy(c -> {
            assertThat(c.path("node_type").asString()).isEqualTo("KSampler");
            assertThat(c.path("max_steps").asInt()).isEqualTo(150);
        });
        List<Double> percents = chunks.stream().map(c -> c.path("percent").asDouble()).toList();
        assertThat(percents).as("in order").isSorted();
        for (int i = 1; i < chunks.size(); i++) {
            JsonNode before = chunks.get(i - 1);
            JsonNode chunk = chunks.get(i);
            assertThat(Math.floor(chunk.path("percent").asDouble()) > Math.floor(before.path("percent").asDouble())
                    || !chunk.path("node_id").equals(before.path("node_id")))
                    .as("a whole point or a node further: %s after %s", chunk, before).isTrue();
        }
        assertThat(chunks.size()).as("bounded: about 100 + one a node, not one a step")
                .isLessThanOrEqualTo(100 + 7 + 1);

        JsonNode done = fleet.status(id);
        assertThat(done.path("output").path("images").get(0).path("filename").asString())
                .as("the result is unchanged: worker-comfyui's shape, %s", done).endsWith(".png");
        assertThat(done.path("output").has("percent")).as("the result is not a progress update").isFalse();
        assertThat(fleet.call("GET", "/v2/ep1/stream/" + id + "?wait=1000", null).path("stream"))
                .as("each chunk is handed out once").isEmpty();
    }
}
