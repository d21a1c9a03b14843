package io.comfyfleet.comfy.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.comfy.client.testing.Captures;
import io.comfyfleet.comfy.client.testing.ReplayServer;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** Every accepted recording without a manual interrupt, replayed, ends as ComfyUI recorded it. */
@Timeout(30)
class EveryRecordingRunsTest {

    static Stream<Path> acceptedRecordings() {
        return Captures.casesWithFrames().stream().filter(p -> {
            JsonNode r = Captures.read(p);
            boolean manualInterrupt = r.get("frames").findValue("sent_interrupt") != null;
            return r.path("http_status").asInt(200) == 200 && !manualInterrupt;
        });
    }

    /** One recording replayed: what was asked, the history entry ComfyUI wrote, and the server's request log. */
    private record Replayed(RunResult result, JsonNode entry, List<String> requests) {
        boolean recordedSuccess() {
            return "success".equals(entry.at("/status/status_str").asString());
        }
    }

    private static Replayed replay(Path file, RunOptions options) throws Exception {
        JsonNode recording = Captures.read(file);
        JsonNode entry = recording.get("history").properties().iterator().next().getValue();
        try (ReplayServer server = ReplayServer.replay(file.getParent().getFileName().toString(),
                file.getFileName().toString()).start();
             ComfyRunner runner = new ComfyRunner(ComfyClient.create(server.baseUri()))) {
            RunResult result = runner.run(Captures.prompt(recording), options, RunListener.none());
            return new Replayed(result, entry, server.requests());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedRecordings")
    void endsAsRecorded(Path file) throws Exception {
        Replayed run = replay(file, RunOptions.defaults());

        assertThat(run.result().status()).isEqualTo(run.recordedSuccess() ? RunStatus.SUCCESS : RunStatus.ERROR);
        assertThat(run.result().outputs().files()).hasSize(run.entry().get("outputs").findValues("filename").size());
        assertThat(run.result().historyAvailable()).isTrue();
    }

    /**
     * With outputs taken from the run's executed events, every recording yields the same files as its history
     * entry lists; a success needs no GET /history, anything else still reads it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedRecordings")
    void outputsFromEventsAreTheHistorysOutputs(Path file) throws Exception {
        Replayed run = replay(file, RunOptions.defaults().withOutputsFromEvents(true));

        RunOutputs recorded = RunOutputs.fromHistoryOutputs(run.entry().get("outputs"));
        assertThat(run.result().outputs().files()).containsExactlyInAnyOrderElementsOf(recorded.files());
        assertThat(run.result().outputs().texts()).containsExactlyInAnyOrderElementsOf(recorded.texts());
        boolean historyRead = run.requests().stream().anyMatch(r -> r.startsWith("GET /history"));
        assertThat(historyRead).as("GET /history after the end").isEqualTo(!run.recordedSuccess());
        assertThat(run.result().historyAvailable()).isEqualTo(!run.recordedSuccess());
        assertThat(run.result().timings().execution()).as("ComfyUI's own timestamps").isPresent();
    }
}
