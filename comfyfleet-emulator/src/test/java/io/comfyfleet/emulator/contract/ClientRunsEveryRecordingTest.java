package io.comfyfleet.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.PromptRejectedException;
import io.comfyfleet.comfy.client.UploadOptions;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.run.ComfyRunner;
import io.comfyfleet.comfy.client.run.PromptRun;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.comfy.client.run.RunOptions;
import io.comfyfleet.comfy.client.run.RunResult;
import io.comfyfleet.comfy.client.run.RunStatus;
import io.comfyfleet.emulator.ComfyEmulator;
import io.comfyfleet.emulator.EmulatorConfig;
import io.comfyfleet.emulator.RunningEmulator;
import io.comfyfleet.emulator.TimingModel;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Acceptance of the client's run API: every recorded prompt, sent through {@link ComfyRunner} to the
 * emulator, ends as it ended on the real ComfyUI: the same HTTP refusal, the same terminal status, the same
 * failing node, the same number of output files. Recorded interrupts are sent at the recorded point.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ClientRunsEveryRecordingTest {
    private static final List<String> FOLDERS = List.of("cpu-0.3.64", "h100-0.3.64", "h100-0.3.64-restart");

    private final java.util.Map<String, RunningEmulator> emulators = new java.util.HashMap<>();
    private final java.util.List<Path> folders = new java.util.ArrayList<>();
    @TempDir
    static Path root;

    @BeforeAll
    void startOneEmulatorPerRecordingFolder() throws Exception {
        for (String folder : FOLDERS) {
            Path base = Files.createDirectory(root.resolve(folder));
            folders.add(base);
            Path objectInfo = Recording.capturesRoot().resolve(folder).resolve("GET_object_info.json");
            // zero time, but sampler steps long enough for an interrupt after step 20 to land mid-run
            TimingModel timing = new TimingModel(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                    Duration.ZERO, Duration.ofMillis(40), Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                    Duration.ZERO, Duration.ZERO);
            RunningEmulator emulator = ComfyEmulator.start(EmulatorConfig.builder().host("127.0.0.1").port(0)
                    .baseDirectory(base).objectInfo(objectInfo).timing(timing).build());
            ComfyClient client = ComfyClient.create(emulator.baseUri());
            // the inputs the recorded LoadImage prompts read, uploaded as the recorder did
            client.uploadImage("red.png", () -> new ByteArrayInputStream(redPng()), new UploadOptions("input", "", true));
            client.uploadImage("corrupt.png",
                    () -> new ByteArrayInputStream("this is not a picture".getBytes(StandardCharsets.UTF_8)),
                    new UploadOptions("input", "", true));
            emulators.put(folder, emulator);
        }
    }

    @AfterAll
    void stopEmulators() {
        emulators.values().forEach(RunningEmulator::close);
    }

    static Stream<String> recordings() throws IOException {
        return FOLDERS.stream().flatMap(folder -> {
            try (Stream<Path> files = Files.list(Recording.capturesRoot().resolve(folder))) {
                return files.map(f -> f.getFileName().toString())
                        .filter(n -> !n.startsWith("GET_") && !n.startsWith("POST_"))
                        .sorted()
                        .map(n -> folder + "/" + n.replace(".json", ""))
                        .toList().stream();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordings")
    void runEndsAsRecorded(String id) throws Exception {
        String folder = id.substring(0, id.indexOf('/'));
        Recording rec = Recording.load(folder, id.substring(id.indexOf('/') + 1));
        JsonNode prompt = promptOf(rec);
        // a runner keeps its event socket open until closed
        try (ComfyRunner runner = new ComfyRunner(ComfyClient.create(emulators.get(folder).baseUri()))) {
            runEndsAsRecorded(rec, runner, prompt);
        }
    }

    private static void runEndsAsRecorded(Recording rec, ComfyRunner runner, JsonNode prompt) throws Exception {

        if (rec.httpStatus() != 200) {
            assertThatThrownBy(() -> runner.run(prompt, RunOptions.defaults(), RunListener.none()))
                    .isInstanceOf(PromptRejectedException.class)
                    .satisfies(e -> {
                        PromptRejectedException rejected = (PromptRejectedException) e;
                        assertThat(rejected.status()).isEqualTo(rec.httpStatus());
                        if (rec.httpStatus() == 400) {
                            assertThat(rejected.errorType()).isEqualTo(rec.response().at("/error/type").asString());
                        }
                    });
            return;
        }

        JsonNode interruptAfter = frameBeforeInterrupt(rec);
        RunResult result;
        if (interruptAfter == null) {
            result = runner.run(prompt, RunOptions.defaults(), RunListener.none());
        } else {
            result = runInterruptedAt(runner, prompt, interruptAfter);
        }

        JsonNode entry = rec.historyEntry();
        if (interruptAfter != null) {
            assertThat(result.status()).isEqualTo(RunStatus.INTERRUPTED);
            assertThat(result.interruption().nodeId()).isEqualTo(recordedFrame(rec, "execution_interrupted").path("node_id").asString());
            return;
        }
        boolean succeeded = "success".equals(entry.at("/status/status_str").asString());
        assertThat(result.status()).isEqualTo(succeeded ? RunStatus.SUCCESS : RunStatus.ERROR);
        if (!succeeded) {
            JsonNode error = recordedFrame(rec, "execution_error");
            assertThat(result.error().nodeId()).isEqualTo(error.path("node_id").asString());
            assertThat(result.error().nodeType()).isEqualTo(error.path("node_type").asString());
            assertThat(result.error().exceptionType()).isEqualTo(error.path("exception_type").asString());
        }
        assertThat(result.outputs().files()).hasSize(entry.get("outputs").findValues("filename").size());
        assertThat(result.historyAvailable()).isTrue();
    }

    /** Starts the run and interrupts it when the event the recorder interrupted after arrives. */
    private static RunResult runInterruptedAt(ComfyRunner runner, JsonNode prompt, JsonNode trigger) throws Exception {
        String type = trigger.path("type").asString();
        JsonNode data = trigger.path("data");
        AtomicBoolean sent = new AtomicBoolean();
        CompletableFuture<PromptRun> run = new CompletableFuture<>();
        RunListener listener = event -> {
            boolean reached = switch (event) {
                case ComfyEvent.Executing e -> "executing".equals(type) && data.path("node").asString().equals(e.node());
                case ComfyEvent.Progress p -> "progress".equals(type) && data.path("node").asString().equals(p.node())
                        && p.value() >= data.path("value").asInt();
                default -> false;
            };
            if (reached && sent.compareAndSet(false, true)) {
                // the listener runs on the run's own thread: cancel from another one
                run.thenAcceptAsync(PromptRun::cancel);
            }
        };
        PromptRun started = runner.start(prompt, RunOptions.defaults(), listener);
        run.complete(started);
        RunResult result = started.await();
        assertThat(sent).as("the recorded interrupt point was reached").isTrue();
        return result;
    }

    private static JsonNode promptOf(Recording rec) {
        JsonNode request = rec.request();
        if (request != null) {
            return request.get("prompt");
        }
        // interrupted_midrun recorded its prompt only as the running queue item
        return rec.frames().get(0).get("GET_queue_during_run").get("queue_running").get(0).get(2);
    }

    /** The text frame the recorder saw just before it sent its interrupt, or null when it sent none. */
    private static JsonNode frameBeforeInterrupt(Recording rec) {
        JsonNode frames = rec.frames();
        for (int i = 1; i < frames.size(); i++) {
            if (frames.get(i).has("sent_interrupt")) {
                return frames.get(i - 1).get("text");
            }
        }
        return null;
    }

    private static JsonNode recordedFrame(Recording rec, String type) {
        for (JsonNode frame : rec.frames()) {
            if (type.equals(frame.path("text").path("type").asString())) {
                return frame.path("text").path("data");
            }
        }
        throw new AssertionError(rec.name() + " has no " + type + " frame");
    }

    private static byte[] redPng() {
        BufferedImage red = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        var g = red.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 64, 48);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(red, "png", out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
