package io.comfyfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.worker.JobContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class ProgressReporterTest {
    private final List<JsonNode> posted = new CopyOnWriteArrayList<>();
    private final List<JsonNode> streamed = new CopyOnWriteArrayList<>();
    private final JobContext context = new JobContext() {
        @Override
        public void progress(JsonNode progress) {
            posted.add(progress);
        }

        @Override
        public void stream(JsonNode chunk) {
            throw new AssertionError("progress goes out through streamProgress");
        }

        @Override
        public void streamProgress(JsonNode progress) {
            streamed.add(progress);
        }

        @Override
        public StopReason stopRequested() {
            return null;
        }

        @Override
        public void onStop(Runnable action) {}
    };

    /** A clock the test moves by hand: throttling depends on it, not on how fast the machine is. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static ObjectNode workflow() {
        return (ObjectNode) Json.MAPPER.readTree("{\"1\":{\"class_type\":\"CheckpointLoaderSimple\",\"inputs\":{}},"
                + "\"2\":{\"class_type\":\"CLIPTextEncode\",\"inputs\":{}},\"3\":{\"class_type\":\"KSampler\",\"inputs\":{}},"
                + "\"4\":{\"class_type\":\"SaveImage\",\"inputs\":{}}}");
    }

    @Test
    void percentSpansTheWholeWorkflowAndNamesTheRunningNode() {
        ManualClock clock = new ManualClock();
        ProgressReporter r = new ProgressReporter(context, workflow(), "p1", Duration.ofMillis(250), clock, null);
        r.onEvent(new ComfyEvent.ExecutionCached("p1", List.of("1", "2"), 0));
        r.onEvent(new ComfyEvent.Executing("p1", "3", "3"));
        r.onEvent(new ComfyEvent.Progress("p1", "3", 5, 10));
        ObjectNode s = r.snapshot();
        assertThat(s.path("percent").asDouble()).isEqualTo(62.5); // (2 cached + 0.5 of KSampler) / 4 nodes
        assertThat(s.path("node_id").asString()).isEqualTo("3");
        assertThat(s.path("node_type").asString()).isEqualTo("KSampler");
        assertThat(s.path("step").asInt()).isEqualTo(5);
        assertThat(s.path("max_steps").asInt()).isEqualTo(10);
        assertThat(s.path("cached_nodes").toString()).isEqualTo("[\"1\",\"2\"]");
        r.onEvent(new ComfyEvent.Executing("p1", "4", "4"));
        assertThat(r.snapshot().path("percent").asDouble()).isEqualTo(75.0);
    }

    @Test
    void updatesAreThrottledByTheClock() {
        ManualClock clock = new ManualClock();
        ProgressReporter r = new ProgressReporter(context, workflow(), "p1", Duration.ofMillis(250), clock, null);
        r.onEvent(new ComfyEvent.Executing("p1", "3", "3")); // within the first interval: held back
        for (int i = 1; i <= 20; i++) {
            r.onEvent(new ComfyEvent.Progress("p1", "3", i, 20)); // same instant: held back
        }
        clock.now = clock.now.plusMillis(300);
        r.onEvent(new ComfyEvent.Progress("p1", "3", 20, 20));
        // the latest update wins: an update still waiting for the poster may be replaced by a newer one
        await().atMost(Duration.ofSeconds(5)).until(() -> !posted.isEmpty() && posted.getLast().path("step").asInt() == 20);
        assertThat(posted).hasSizeBetween(1, 2);
    }

    @Test
    void aPromptThatEndsWithinTheFirstIntervalPostsNoProgress() throws Exception {
        ManualClock clock = new ManualClock();
        ProgressReporter r = new ProgressReporter(context, workflow(), "p1", Duration.ofMillis(250), clock, null);
        r.onEvent(new ComfyEvent.ExecutionStart("p1", 0));
        r.onEvent(new ComfyEvent.Executing("p1", "3", "3"));
        r.onEvent(new ComfyEvent.Progress("p1", "3", 1, 20));
        Thread.sleep(300); // real time passes too: the poster must still wait for the clock
        assertThat(posted).isEmpty();
        r.close(); // the prompt ended: nothing of it is posted any more
        clock.now = clock.now.plusMillis(300);
        r.onEvent(new ComfyEvent.Progress("p1", "3", 2, 20));
        Thread.sleep(300);
        assertThat(posted).isEmpty();
    }

    /** Moves the clock past the interval, sends the event and waits for its update to be posted. */
    private void postAfterInterval(ManualClock clock, ProgressReporter r, ComfyEvent event) {
        int before = posted.size();
        clock.now = clock.now.plusMillis(300);
        r.onEvent(event);
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> posted.size() == before + 1);
    }

    @Test
    void progressGoesToTheStreamTooWhenItMovedAWholePointOrToAnotherNode() {
        ManualClock clock = new ManualClock();
        ProgressReporter r = new ProgressReporter(context, workflow(), "p1", Duration.ofMillis(250), clock, null);
        postAfterInterval(clock, r, new ComfyEvent.Progress("p1", "3", 1, 1000)); // the first: 0.0 %
        postAfterInterval(clock, r, new ComfyEvent.Progress("p1", "3", 30, 1000)); // 0.8 %: not a whole point more
        postAfterInterval(clock, r, new ComfyEvent.Progress("p1", "3", 100, 1000)); // 2.5 %
        postAfterInterval(clock, r, new ComfyEvent.Progress("p1", "3", 101, 1000)); // 2.5 % again
        postAfterInterval(clock, r, new ComfyEvent.Executing("p1", "4", "4")); // another node

        assertThat(posted).as("/status sees every update").hasSize(5);
        assertThat(streamed).as("the same updates, those that moved").containsExactly(posted.get(0), posted.get(2),
                posted.get(4));
        assertThat(streamed.get(1).path("step").asInt()).isEqualTo(100);
        assertThat(streamed.get(2).path("node_type").asString()).isEqualTo("SaveImage");
        r.close();
    }

    @Test
    void noJobStreamsMoreThanItsBound() {
        ManualClock clock = new ManualClock();
        ProgressReporter r = new ProgressReporter(context, workflow(), "p1", Duration.ofMillis(250), clock, null);
        for (int i = 0; i < ProgressReporter.MAX_STREAM_CHUNKS + 20; i++) {
            postAfterInterval(clock, r, new ComfyEvent.Executing("p1", i % 2 == 0 ? "3" : "4", null)); // a loop
        }
        assertThat(posted).hasSize(ProgressReporter.MAX_STREAM_CHUNKS + 20);
        assertThat(streamed).hasSize(ProgressReporter.MAX_STREAM_CHUNKS);
        r.close();
    }

    @Test
    void theLatestStepGoesOutWhenTheIntervalIsUpEvenWithoutAnotherEvent() {
        ManualClock clock = new ManualClock();
        ProgressReporter r = new ProgressReporter(context, workflow(), "p1", Duration.ofMillis(250), clock, null);
        clock.now = clock.now.plusMillis(300);
        r.onEvent(new ComfyEvent.Progress("p1", "3", 1, 10)); // the first interval is up: goes out
        await().atMost(Duration.ofSeconds(5)).until(() -> posted.size() == 1);
        clock.now = clock.now.plusMillis(10);
        r.onEvent(new ComfyEvent.Progress("p1", "3", 5, 10)); // too soon after the last post: held back...
        clock.now = clock.now.plusMillis(300); // ...and no event follows, yet once the interval is up it is posted
        await().atMost(Duration.ofSeconds(5)).until(() -> posted.size() == 2);
        assertThat(posted.get(1).path("step").asInt()).isEqualTo(5);
    }

    @Test
    void previewIsSentSmallAndOnlyWhenAsked() throws Exception {
        BufferedImage big = new BufferedImage(1024, 512, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(big, "png", png);
        ComfyEvent.PreviewImage frame = new ComfyEvent.PreviewImage(ComfyEvent.ImageFormat.PNG, png.toByteArray(), null);

        ProgressReporter withPreview = new ProgressReporter(context, workflow(), "p1", Duration.ZERO, new ManualClock(),
                new PreviewEncoder(256));
        withPreview.onEvent(frame);
        await().atMost(Duration.ofSeconds(5)).until(() -> posted.stream().anyMatch(p -> p.has("preview")));
        String sent = posted.stream().filter(p -> p.has("preview")).findFirst().orElseThrow().path("preview").asString();
        assertThat(sent).startsWith("data:image/jpeg;base64,");
        BufferedImage small = ImageIO.read(new java.io.ByteArrayInputStream(
                java.util.Base64.getDecoder().decode(sent.substring(sent.indexOf(',') + 1))));
        assertThat(small.getWidth()).isEqualTo(256);
        assertThat(small.getHeight()).isEqualTo(128);

        ProgressReporter without = new ProgressReporter(context, workflow(), "p1", Duration.ZERO, new ManualClock(), null);
        without.onEvent(frame);
        assertThat(without.snapshot().has("preview")).isFalse();
    }

    @Test
    void outOfMemoryIsRecognised() {
        assertThat(ComfyRecovery.isOutOfMemory("torch.OutOfMemoryError", "Allocation on device")).isTrue();
        assertThat(ComfyRecovery.isOutOfMemory("RuntimeError", "CUDA out of memory. Tried to allocate 2.00 GiB")).isTrue();
        assertThat(ComfyRecovery.isOutOfMemory("ValueError", "bad seed")).isFalse();
    }
}
