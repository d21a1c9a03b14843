package io.comfyfleet.comfy.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import io.comfyfleet.comfy.client.testing.Captures;
import io.comfyfleet.comfy.client.testing.ReplayServer;
import java.nio.file.Path;
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedRecordings")
    void endsAsRecorded(Path file) throws Exception {
        String folder = file.getParent().getFileName().toString();
        String name = file.getFileName().toString();
        JsonNode recording = Captures.read(file);
        JsonNode entry = recording.get("history").properties().iterator().next().getValue();
        try (ReplayServer server = ReplayServer.replay(folder, name).start();
             ComfyRunner runner = new ComfyRunner(ComfyClient.create(server.baseUri()))) {

            RunResult result = runner.run(Captures.prompt(recording), RunOptions.defaults(), RunListener.none());

            RunStatus expected = "success".equals(entry.at("/status/status_str").asString()) ? RunStatus.SUCCESS : RunStatus.ERROR;
            assertThat(result.status()).isEqualTo(expected);
            assertThat(result.outputs().files()).hasSize(entry.get("outputs").findValues("filename").size());
            assertThat(result.historyAvailable()).isTrue();
        }
    }

    /**
     * With outputs taken from the run's executed events, every recording yields the same files as its history
     * entry lists; a success needs no GET /history, anything else still reads it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedRecordings")
    void outputsFromEventsAreTheHistorysOutputs(Path file) throws Exception {
        String folder = file.getParent().getFileName().toString();
        String name = file.getFileName().toString();
        JsonNode recording = Captures.read(file);
        JsonNode entry = recording.get("history").properties().iterator().next().getValue();
        boolean success = "success".equals(entry.at("/status/status_str").asString());
        try (ReplayServer server = ReplayServer.replay(folder, name).start();
             ComfyRunner runner = new ComfyRunner(ComfyClient.create(server.baseUri()))) {

            RunResult result = runner.run(Captures.prompt(recording), RunOptions.defaults().withOutputsFromEvents(true),
                    RunListener.none());

            assertThat(result.outputs().files())
                    .containsExactlyInAnyOrderElementsOf(RunOutputs.fromHistoryOutputs(entry.get("outputs")).files());
            assertThat(result.outputs().texts())
                    .containsExactlyInAnyOrderElementsOf(RunOutputs.fromHistoryOutputs(entry.get("outputs")).texts());
            boolean historyRead = server.requests().stream().anyMatch(r -> r.startsWith("GET /history"));
            assertThat(historyRead).as("GET /history after the end").isEqualTo(!success);
            assertThat(result.historyAvailable()).isEqualTo(!success);
            assertThat(result.timings().execution()).as("ComfyUI's own timestamps").isPresent();
        }
    }
}
