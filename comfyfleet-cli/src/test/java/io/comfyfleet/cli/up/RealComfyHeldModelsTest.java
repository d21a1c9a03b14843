package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.testkit.FreePorts;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.WorkerApp;
import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.input.UrlPolicy;
import io.comfyfleet.worker.run.ComfyJobHandler;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-affinity routing with the real ComfyUI 0.3.64 on CPU ({@code ../shared/comfyui/real}): after a worker ran a
 * prompt with a loader node, its next job-take tells the gateway the loader's model, and the gateway's registry
 * (what routing reads) holds it. The real set-up has no model files; VAELoader's built-in {@code pixel_space} VAE
 * loads without one and runs on CPU (VAEEncode/VAEDecode of a 16x16 image).
 */
class RealComfyHeldModelsTest {
    private static final Path REAL = Path.of(System.getProperty("comfyfleet.repo.dir", ".."))
            .toAbsolutePath().resolve("../shared/comfyui/real").normalize();
    private static final String CLIENT_KEY = "held-client-key-0123456789";
    private static final String WORKER_KEY = "held-worker-key-0123456789";
    private static final String WORKFLOW = """
            {"1":{"class_type":"VAELoader","inputs":{"vae_name":"pixel_space"}},
             "2":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":5}},
             "3":{"class_type":"VAEEncode","inputs":{"pixels":["2",0],"vae":["1",0]}},
             "4":{"class_type":"VAEDecode","inputs":{"samples":["3",0],"vae":["1",0]}},
             "5":{"class_type":"SaveImage","inputs":{"images":["4",0],"filename_prefix":"held"}}}""";

    @TempDir
    Path dir;

    @Test
    void aWorkerReportsTheLoaderInputOfAPromptItReallyRan() throws Exception {
        assumeTrue(Files.isExecutable(REAL.resolve("python")) && Files.isDirectory(REAL.resolve("ComfyUI")),
                "no real ComfyUI at " + REAL);
        String yaml = """
                server: {host: 127.0.0.1, port: 0, dataDir: data, jobTakeHold: 2s}
                endpoints:
                  - name: ep1
                    clientKeys: [%s]
                    workerKeys: [%s]
                """.formatted(CLIENT_KEY, WORKER_KEY);
        int port = FreePorts.one(); // for the worker's ComfyUI, another process
        try (Gateway gateway = Gateway.start(new ConfigLoader(name -> null).parse(yaml, "held models test", dir));
                HttpClient http = HttpClient.newHttpClient()) {
            WorkerSettings settings = new WorkerSettings(
                    GatewayEndpoints.forGateway("http://127.0.0.1:" + gateway.port(), "ep1", "w1", WORKER_KEY,
                            Duration.ofSeconds(2)),
                    null, LaunchSpec.python(REAL.resolve("ComfyUI"), REAL.resolve("python").toString(), port,
                            dir.resolve("worker/comfyui"), false, List.of()),
                    new SupervisorSettings(Duration.ofSeconds(90), Duration.ofSeconds(5),
                            new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2)), 3, Duration.ofMinutes(5), 20),
                    dir.resolve("worker"), Duration.ofSeconds(5),
                    new WorkerSettings.JobSettings(Duration.ofMinutes(5), Duration.ofSeconds(5),
                            WorkerSettings.CrashPolicy.FAIL, Duration.ofSeconds(1), 128),
                    new WorkerSettings.OutputSettings("inline", 20L * 1024 * 1024, null), UrlPolicy.defaults(), null);
            WorkerApp worker = new WorkerApp(settings, ComfyJobHandler::new);
            Thread.ofPlatform().name("held-models-worker").start(() -> {
                try {
                    worker.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + gateway.port() + "/v2/ep1/runsync?wait=120000"))
                        .header("Authorization", CLIENT_KEY).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"workflow\":" + WORKFLOW + "}}"))
                        .timeout(Duration.ofSeconds(150)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(Json.MAPPER.readTree(r.body()).path("status").asString()).as(r.body()).isEqualTo("COMPLETED");
                await("the next job-take tells the model").atMost(Duration.ofSeconds(30))
                        .until(() -> gateway.workers().heldModels("ep1").getOrDefault("w1", java.util.Set.of())
                                .contains("pixel_space"));
                assertThat(gateway.workers().heldModels("ep1").get("w1")).containsExactly("pixel_space");
            } finally {
                worker.stop();
            }
        }
    }
}
