package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.cli.Main;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.scale.WorkerState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Roll-outs for real: {@code comfyfleet up} in process with emulator worker processes, whose image is their
 * version. A roll-out from {@code demo:a} to {@code demo:b} while 50 jobs stream in loses and fails none and ends
 * with only {@code demo:b} workers; a roll-out to {@code demo:broken} (its workers exit at once) halts with the
 * {@code demo:b} workers still serving and the reason on the admin API; {@code comfyfleet rollout --rollback}
 * brings the endpoint back to normal.
 */
class RolloutEndToEndTest {
    private static final String CLIENT_KEY = "ro-client-key-0123456789";
    private static final String WORKER_KEY = "ro-worker-key-0123456789";
    private static final String ADMIN_KEY = "ro-admin-key-0123456789";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String WORKFLOW = """
            {"input":{"workflow":{
              "1":{"class_type":"EmptyImage","inputs":{"width":%d,"height":16,"batch_size":1,"color":7}},
              "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"ro"}}}}}""";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FleetStack stack;
    private String root;

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
        http.close();
    }

    @Test
    void rollsOutUnderLoadWithoutLosingAJobAndHaltsABrokenImage() throws Exception {
        start();
        await("two demo:a workers ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> ready("demo:a") == 2);
        // the samples below read the autoscaler's last pass: start once a pass has seen both ready
        await("the autoscaler sees both ready").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> readyNow() == 2);

        // 50 jobs stream in, one every 150 ms; the roll-out to demo:b starts after the 10th
        List<String> ids = new ArrayList<>();
        AtomicInteger minReady = new AtomicInteger(Integer.MAX_VALUE);
        List<String> progress = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(submit(i));
            if (i == 9) {
                JsonNode patched = patch("{\"image\": \"demo:b\"}");
                assertThat(patched.path("previousImage").asString()).isEqualTo("demo:a");
            }
            sampleReady(minReady);
            progress.add(admin().path("rollout").toString());
            Thread.sleep(150);
        }
        await("every job of the stream finished").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    sampleReady(minReady);
                    return completed() + failed() >= 50;
                });
        for (String id : ids) {
            JsonNode status = get("/v2/ro/status/" + id, CLIENT_KEY);
            assertThat(status.path("status").asString()).as("job %s: %s", id, status).isEqualTo("COMPLETED");
        }
        assertThat(failed()).isZero();
        await("the roll-out to demo:b is done").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    sampleReady(minReady);
                    return "DONE".equals(admin().path("rollout").path("state").asString())
                            && "demo:b".equals(admin().path("rollout").path("toVersion").asString());
                });
        await("only demo:b workers are left").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> versions().equals(List.of("demo:b", "demo:b")));
        assertThat(minReady.get()).as("fewest ready workers seen during the roll-out; roll-out: %s", progress)
                .isGreaterThanOrEqualTo(2);

        // a broken image: its workers exit at once; the roll-out halts, demo:b keeps serving
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int halted = cli(out, err, "rollout", "ro", "--image", "demo:broken", "--wait", "--timeout", "120s");
        assertThat(halted).as("out: %s err: %s", out, err).isEqualTo(1);
        assertThat(err.toString()).contains("halted").contains("demo:broken").contains("exited with code 3");
        JsonNode rollout = admin().path("rollout");
        assertThat(rollout.path("state").asString()).isEqualTo("HALTED");
        assertThat(rollout.path("failures").asInt()).isEqualTo(3);
        assertThat(rollout.path("reason").asString()).contains("demo:broken").contains("roll back");
        List<String> during = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            during.add(submit(100 + i));
        }
        for (String id : during) {
            await("a job after the halt completes on demo:b").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> "COMPLETED".equals(get("/v2/ro/status/" + id, CLIENT_KEY).path("status").asString()));
        }
        assertThat(versions()).as("old workers still serve").containsOnly("demo:b").hasSize(2);

        out = new StringWriter();
        err = new StringWriter();
        int back = cli(out, err, "rollout", "ro", "--rollback", "--wait", "--timeout", "120s");
        assertThat(back).as("out: %s err: %s", out, err).isZero();
        assertThat(out.toString()).contains("demo:broken -> demo:b").contains("DONE");
        assertThat(admin().path("image").asString()).isEqualTo("demo:b");

        StringWriter listed = new StringWriter();
        assertThat(cli(listed, new StringWriter(), "endpoints")).isZero();
        assertThat(listed.toString()).contains("ro").contains("demo:b").contains("DONE");
        JsonNode dashboard = get("/dashboard/api/overview", CLIENT_KEY).path("endpoints").get(0);
        assertThat(dashboard.path("rollout").path("toVersion").asString()).isEqualTo("demo:b");
    }

    private void start() throws Exception {
        int basePort = UpProcess.freePortRun(3);
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                server:
                  port: 0
                  adminKey: "%s"
                endpoints:
                  - name: ro
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    image: demo:a
                    minWorkers: 2
                    maxWorkers: 2
                    idleTimeout: 60s
                    scaler: {type: REQUEST_COUNT, value: 10}
                workers:
                  cpuSlots: 3
                  basePort: %d
                  jobGrace: 15s
                """.formatted(ADMIN_KEY, CLIENT_KEY, WORKER_KEY, basePort));
        UpConfig config = new UpConfigLoader(Map.<String, String>of()::get).load(file, dir)
                .with(new FleetSettings.ComfyLaunch.Emulator(List.of("--zero-time")));
        stack = FleetStack.start(config, Duration.ofMillis(250), Clock.systemUTC());
        root = "http://127.0.0.1:" + stack.port();
    }

    private int cli(StringWriter out, StringWriter err, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", root, "--key", ADMIN_KEY));
        return new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(all.toArray(String[]::new));
    }

    private void sampleReady(AtomicInteger min) {
        min.accumulateAndGet(readyNow(), Math::min);
    }

    /** Idle + running workers as the autoscaler's last pass saw them. */
    private int readyNow() {
        Map<WorkerState, Integer> counts = stack.autoscaler().countByState("ro");
        return counts.get(WorkerState.IDLE) + counts.get(WorkerState.RUNNING);
    }

    private long ready(String version) {
        return stack.provider().list().stream()
                .filter(w -> w.phase() == FleetWorker.Phase.UP && w.readyAt() != null)
                .filter(w -> w.handle().version().equals(version)).count();
    }

    /** The versions of the workers the provider runs (any phase but stopping), sorted. */
    private List<String> versions() {
        return stack.provider().list().stream().filter(w -> w.phase() != FleetWorker.Phase.STOPPING)
                .map(w -> w.handle().version()).sorted().toList();
    }

    private String submit(int i) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(root + "/v2/ro/run"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + CLIENT_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(WORKFLOW.formatted(16 + i))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("id").asString();
    }

    private long completed() throws Exception {
        return get("/v2/ro/health", CLIENT_KEY).path("jobs").path("completed").asLong();
    }

    private long failed() throws Exception {
        return get("/v2/ro/health", CLIENT_KEY).path("jobs").path("failed").asLong();
    }

    private JsonNode admin() throws Exception {
        return get("/admin/endpoints/ro", ADMIN_KEY);
    }

    private JsonNode patch(String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(root + "/admin/endpoints/ro"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + ADMIN_KEY)
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode get(String path, String key) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(root + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", key).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
