package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comfyfleet.comfy.Json;
import io.comfyfleet.gateway.support.NodeProject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/js/example.mjs}, RunPod's official JavaScript SDK ({@code runpod-sdk@1.1.2}) pointed at ComfyFleet,
 * run as a user would run it against a real gateway, worker and ComfyUI emulator: the job must come back
 * COMPLETED with a PNG, both when polled through /status and when followed through /stream.
 */
class JsExampleTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("comfyfleet.repo.dir", ".."), "examples", "js");
    private static final Path WORK = Path.of("target/js-example");

    @TempDir
    Path dir;

    @Test
    void theExampleRunsAWorkflowPollsAndStreamsThroughTheFleet() throws Exception {
        assumeTrue(NodeProject.nodeAvailable(), "node is not installed; this test needs Node 20+");
        NodeProject.prepare(EXAMPLE, WORK, List.of("package.json", "example.mjs"), "runpod-sdk");

        try (Fleet fleet = Fleet.start(dir, Fleet.Options.defaults())) {
            // a user starts the example against a fleet that is up: wait for the worker's ComfyUI to be ready
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> idleWorkers(fleet) > 0);
            NodeProject.Run run = NodeProject.run(WORK, Map.of("COMFYFLEET_CLIENT_KEY", Fleet.CLIENT_KEY), 180,
                    "example.mjs", fleet.base() + "/v2", "ep1");
            String output = run.output();

            assertThat(run.ended()).as("the example finished within 180 s; output:%n%s", output).isTrue();
            assertThat(run.exitCode()).as(output).isZero();
            assertThat(output).as(output).containsPattern("status \\S+: COMPLETED")
                    .contains("run: COMPLETED", "stream: COMPLETED")
                    .containsPattern("image: \\S+\\.png, \\d+ bytes, PNG");
            // one image line per job: the polled one and the streamed one
            assertThat(output.lines().filter(l -> l.matches("image: .*, PNG"))).hasSize(2);
        }
    }

    private static int idleWorkers(Fleet fleet) throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(fleet.base() + "/v2/ep1/health"))
                        .header("Authorization", "Bearer " + Fleet.CLIENT_KEY).build(),
                HttpResponse.BodyHandlers.ofString());
        return health.statusCode() != 200 ? 0 : Json.MAPPER.readTree(health.body()).path("workers").path("idle").asInt();
    }
}
