package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code comfyfleet up} as a user runs it: a separate OS process with real worker and emulator processes. 30 jobs
 * arrive at once at an endpoint with no worker; workers scale up from zero to max, every job completes with
 * decodable PNGs, workers scale back to zero after the idle timeout, and SIGTERM during a job lets it finish and
 * leaves no process behind. /health and the dashboard's data are checked in every phase.
 */
class UpEndToEndTest {
    private static final String CLIENT_KEY = "e2e-client-key-0123456789";
    private static final String WORKER_KEY = "e2e-worker-key-0123456789";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String WORKFLOW = """
            {"input":{"workflow":{
              "1":{"class_type":"EmptyImage","inputs":{"width":%d,"height":16,"batch_size":1,"color":%d}},
              "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"e2e"}}}}}""";
    private static final String SLOW_WORKFLOW = """
            {"input":{"workflow":{
              "1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":7}},
              "2":{"class_type":"SlowProgress","inputs":{"image":["1",0],"steps":20,"delay_ms":200,"fail_at":-1}},
              "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"slow"}}}}}""";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private UpProcess upProcess;
    private Process up;
    private List<String> output;

    @AfterEach
    void killEverything() {
        if (upProcess != null) {
            upProcess.close();
        }
        http.close();
    }

    @Test
    void scalesFromZeroRunsThirtyJobsScalesToZeroAndStopsCleanly() throws Exception {
        long began = System.nanoTime();
        String base = start();
        JsonNode health = health(base);
        assertThat(workers(health)).as("no worker before any job: %s", health).isZero();
        assertThat(workers(dashboardCard(base))).as("the dashboard shows no worker either").isZero();

        List<String> ids = submitConcurrently(base, 30);
        int peak = 0;
        int dashboardPeak = 0;
        int dashboardQueuedSeen = 0;
        List<String> phases = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (completed(base) < ids.size()) {
            assertThat(System.nanoTime()).as("all 30 jobs done within 60 s; output:\n%s", tail()).isLessThan(deadline);
            health = health(base);
            peak = Math.max(peak, workers(health));
            phases.add(health.path("workers").toString());
            JsonNode card = dashboardCard(base);
            dashboardPeak = Math.max(dashboardPeak, workers(card));
            dashboardQueuedSeen = Math.max(dashboardQueuedSeen, card.path("jobs").path("inQueue").asInt());
            Thread.sleep(200);
        }
        assertThat(peak).as("workers at the peak of the burst; health seen: %s", phases).isEqualTo(3);
        assertThat(dashboardPeak).as("the dashboard's endpoint card at the peak").isEqualTo(3);
        assertThat(dashboardQueuedSeen).as("the dashboard showed the burst queued").isPositive();
        for (String id : ids) {
            assertPngOutput(status(base, id));
        }
        assertThat(health(base).path("jobs").path("completed").asLong()).isEqualTo(30);

        await("workers back to zero after the idle timeout").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> workers(health(base)) == 0 && up.descendants().findAny().isEmpty());
        assertThat(coldStartsCounted(base)).as("each worker's cold start reported to /metrics; output:\n%s", tail())
                .isEqualTo(3);
        JsonNode card = dashboardCard(base);
        assertThat(workers(card)).as("the dashboard shows the scale-down: %s", card).isZero();
        assertThat(card.path("jobs").path("completed").asLong()).isEqualTo(30);

        // Ctrl-C during a job: the job finishes within its grace, then nothing that up started is left
        String slow = submit(base, SLOW_WORKFLOW);
        await("the slow job running").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> "IN_PROGRESS".equals(status(base, slow).path("status").asString()));
        List<ProcessHandle> before = up.descendants().toList();
        upProcess.remember(before);
        assertThat(before).as("a worker and its emulator run; output:\n%s", tail()).hasSizeGreaterThanOrEqualTo(2);
        up.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output we still read
        await("new jobs refused while running ones finish").atMost(Duration.ofSeconds(3))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> http.send(post(base + "/run", WORKFLOW.formatted(16, 1)),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 503);
        assertThat(up.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)).as("up exits after SIGTERM").isTrue();
        await("every process up started is gone").atMost(Duration.ofSeconds(5))
                .until(() -> before.stream().noneMatch(ProcessHandle::isAlive));
        List<String> workerLogs = workerLogLines();
        assertThat(workerLogs).anyMatch(l -> l.contains("Gateway accepted the result of job " + slow));
        assertThat(workerLogs).as("the drain waited for the slow job").noneMatch(l -> l.contains("Job " + slow + " did not finish within the grace period"));
        assertThat(output).as("worker output goes to data/logs, not the terminal")
                .noneMatch(l -> l.contains("Gateway accepted the result"));
        assertThat(output).as("a normal stop prints no stack trace")
                .noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by: ") || l.matches("^[\\w.$]+(Exception|Error)(: .*)?$"));
        System.out.printf("up e2e: 30 jobs scaled 0 -> %d -> 0 workers and stopped cleanly in %.1f s%n", peak,
                (System.nanoTime() - began) / 1e9);
    }

    /** Every line of every worker's log file under data/logs. */
    private List<String> workerLogLines() throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        try (var files = java.nio.file.Files.list(dir.resolve("data").resolve("logs"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                lines.addAll(java.nio.file.Files.readAllLines(f));
            }
        }
        return lines;
    }

    /** The sum of comfyfleet_worker_cold_start_seconds_count over its labels. */
    private double coldStartsCounted(String base) throws Exception {
        String root = base.substring(0, base.indexOf("/v2/"));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(root + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().lines().filter(l -> l.startsWith("comfyfleet_worker_cold_start_seconds_count"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private String start() throws Exception {
        int basePort = UpProcess.freePortRun(3);
        upProcess = UpProcess.start(dir, """
                server:
                  port: 0
                  jobTakeHold: 20s  # long enough that takes parked by stopped workers are still waiting when the next job comes
                endpoints:
                  - name: e2e
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 0
                    maxWorkers: 3
                    idleTimeout: 2s
                    scaler: {type: REQUEST_COUNT, value: 10}
                workers:
                  cpuSlots: 3
                  basePort: %d
                  jobGrace: 15s
                  comfyui:
                    emulator: true
                    emulatorArgs: [--zero-time]
                """.formatted(CLIENT_KEY, WORKER_KEY, basePort), "e2e", "--scale-period", "250");
        up = upProcess.process();
        output = upProcess.output();
        upProcess.assertPrintedTheWayIn("e2e");
        return upProcess.root() + "/v2/e2e";
    }

    private List<String> submitConcurrently(String base, int n) {
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sent.add(http.sendAsync(post(base + "/run", WORKFLOW.formatted(16 + i, i * 4099)),
                    HttpResponse.BodyHandlers.ofString()));
        }
        return sent.stream().map(CompletableFuture::join).map(r -> {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return JSON.readTree(r.body()).path("id").asString();
        }).toList();
    }

    private String submit(String base, String body) throws Exception {
        HttpResponse<String> r = http.send(post(base + "/run", body), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("id").asString();
    }

    private int completed(String base) throws Exception {
        return (int) health(base).path("jobs").path("completed").asLong();
    }

    private static void assertPngOutput(JsonNode status) throws IOException {
        assertThat(status.path("status").asString()).as(status.toString()).isEqualTo("COMPLETED");
        JsonNode image = status.path("output").path("images").path(0);
        assertThat(image.path("type").asString()).isEqualTo("base64");
        assertThat(image.path("filename").asString()).endsWith(".png");
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(image.path("data").asString())));
        assertThat(png).as("a decodable PNG").isNotNull();
        assertThat(png.getHeight()).isEqualTo(16);
    }

    private JsonNode health(String base) throws Exception {
        return get(base + "/health");
    }

    /** The endpoint's card on the dashboard (its data API, as the page reads it with the client key). */
    private JsonNode dashboardCard(String base) throws Exception {
        String root = base.substring(0, base.indexOf("/v2/"));
        JsonNode overview = get(root + "/dashboard/api/overview");
        assertThat(overview.path("endpoints")).as("overview: %s", overview).hasSize(1);
        return overview.path("endpoints").get(0);
    }

    private JsonNode status(String base, String id) throws Exception {
        return get(base + "/status/" + id);
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", CLIENT_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + CLIENT_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** Live workers as /health counts them: starting, idle and running. */
    private static int workers(JsonNode health) {
        JsonNode w = health.path("workers");
        return w.path("initializing").asInt() + w.path("idle").asInt() + w.path("running").asInt();
    }

    private String tail() {
        return upProcess.tail();
    }
}
