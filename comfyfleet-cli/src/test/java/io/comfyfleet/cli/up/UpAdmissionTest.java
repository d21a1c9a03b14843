package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Admission under {@code comfyfleet up}, with the emulator and with the real ComfyUI 0.3.64: once one job has
 * warmed a worker (which reports its node catalogue), a workflow with an unknown node class or a missing
 * LoadImage file gets ComfyUI's 400 at once, instead of failing after a worker runs it; nothing is queued.
 */
class UpAdmissionTest {
    private static final String CLIENT_KEY = "adm-client-key-0123456789";
    private static final String WORKER_KEY = "adm-worker-key-0123456789";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String VALID = """
            {"input":{"workflow":{
              "1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":5}},
              "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"adm"}}}}}""";
    private static final String UNKNOWN_NODE = """
            {"input":{"workflow":{
              "1":{"class_type":"NoSuchNode","inputs":{}},
              "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"adm"}}}}}""";
    private static final String MISSING_IMAGE = """
            {"input":{"workflow":{
              "1":{"class_type":"LoadImage","inputs":{"image":"absent.png"}},
              "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"adm"}}}}}""";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private UpProcess up;

    @AfterEach
    void stop() {
        if (up != null) {
            up.close();
        }
        http.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"emulator", "real"})
    void afterOneJobWarmedAWorkerAnUnknownNodeIsRefusedAtOnce(String comfy) throws Exception {
        String comfyui = UpProcess.comfyui(comfy);
        up = UpProcess.start(dir, """
                server:
                  port: 0
                endpoints:
                  - name: adm
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 0
                    maxWorkers: 1
                    idleTimeout: 60s
                workers:
                  cpuSlots: 1
                  basePort: %d
                  comfyui: %s
                """.formatted(CLIENT_KEY, WORKER_KEY, UpProcess.freePortRun(1), comfyui), "adm");
        String base = up.root() + "/v2/adm";

        HttpResponse<String> first = post(base + "/runsync?wait=120000", VALID);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(JSON.readTree(first.body()).path("status").asString()).as(first.body()).isEqualTo("COMPLETED");
        await("the worker's catalogue reached the gateway").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> up.output().stream().anyMatch(l -> l.contains("stored node catalogue")));

        long sent = System.nanoTime();
        HttpResponse<String> refused = post(base + "/run", UNKNOWN_NODE);
        long tookMs = (System.nanoTime() - sent) / 1_000_000;
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        JsonNode body = JSON.readTree(refused.body());
        assertThat(body.path("error").path("type").asString()).isEqualTo("invalid_prompt");
        assertThat(body.path("error").path("message").asString())
                .isEqualTo("Cannot execute because node NoSuchNode does not exist.");
        assertThat(body.path("error").path("details").asString()).isEqualTo("Node ID '#1'");
        assertThat(body.path("node_errors").isEmpty()).isTrue();

        HttpResponse<String> noImage = post(base + "/run", MISSING_IMAGE);
        assertThat(noImage.statusCode()).as(noImage.body()).isEqualTo(400);
        JsonNode loadImage = JSON.readTree(noImage.body()).path("node_errors").path("1");
        assertThat(loadImage.path("class_type").asString()).isEqualTo("LoadImage");
        assertThat(loadImage.path("errors").path(0).path("details").asString())
                .isEqualTo("image - Invalid image file: absent.png");

        JsonNode jobs = get(base + "/health").path("jobs");
        assertThat(jobs.path("completed").asInt()).isEqualTo(1);
        assertThat(jobs.path("inQueue").asInt() + jobs.path("inProgress").asInt() + jobs.path("failed").asInt())
                .as("nothing queued for the refused workflows: %s", jobs).isZero();
        System.out.printf("up admission (%s): unknown node refused with 400 in %d ms%n", comfy, tookMs);
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(150))
                .header("Authorization", "Bearer " + CLIENT_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", CLIENT_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
