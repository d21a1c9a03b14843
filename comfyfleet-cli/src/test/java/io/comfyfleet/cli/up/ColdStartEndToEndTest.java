package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A cold start for real: {@code up} in process with an emulator worker process. The endpoint has no worker, a
 * queue delay of an hour and an autoscaler period of an hour, so the job can only run if the first worker starts
 * the moment the job is queued; the worker runs the configured warm-up workflow first; its cold start, split into
 * ComfyFleet's segments and ComfyUI's, is on {@code /admin} and in the dashboard's workers table.
 */
class ColdStartEndToEndTest {
    private static final String CLIENT_KEY = "cs-client-key-0123456789";
    private static final String WORKER_KEY = "cs-worker-key-0123456789";
    private static final String ADMIN_KEY = "cs-admin-key-0123456789";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String WORKFLOW = """
            {"1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":7}},
             "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"cs"}}}""";

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
    void theFirstJobStartsAWorkerAtOnceWhichWarmsUpAndReportsItsColdStartBySegment() throws Exception {
        Files.writeString(dir.resolve("warmup.json"), WORKFLOW);
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                server:
                  port: 0
                  adminKey: "%s"
                endpoints:
                  - name: cs
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 0
                    maxWorkers: 1
                    idleTimeout: 10m
                    scaler: {type: QUEUE_DELAY, value: 3600}
                workers:
                  cpuSlots: 1
                  basePort: %d
                  jobGrace: 5s
                  warmupWorkflow: warmup.json
                """.formatted(ADMIN_KEY, CLIENT_KEY, WORKER_KEY, UpProcess.freePortRun(1)));
        UpConfig config = new UpConfigLoader(Map.<String, String>of()::get).load(file, dir)
                .with(new FleetSettings.ComfyLaunch.Emulator(List.of("--zero-time")));
        stack = FleetStack.start(config, Duration.ofHours(1), Clock.systemUTC());
        root = "http://127.0.0.1:" + stack.port();
        await("the autoscaler's first pass").atMost(Duration.ofSeconds(10)).until(() -> stack.autoscaler().passes() >= 1);
        assertThat(stack.provider().list()).as("no worker before a job").isEmpty();

        String id = send("POST", "/v2/cs/run", CLIENT_KEY, "{\"input\":{\"workflow\":" + WORKFLOW + "}}")
                .path("id").asString();
        // two JVMs boot for this job: on a loaded two-core machine that has taken a minute
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        JsonNode status = send("GET", "/v2/cs/status/" + id, CLIENT_KEY, null);
        while (!"COMPLETED".equals(status.path("status").asString()) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            status = send("GET", "/v2/cs/status/" + id, CLIENT_KEY, null);
        }
        assertThat(status.path("status").asString()).as("%s", status).isEqualTo("COMPLETED");
        System.out.printf("cold start e2e (emulator --zero-time): first job delayTime %d ms%n",
                status.path("delayTime").asLong());

        JsonNode admin = send("GET", "/admin/endpoints/cs", ADMIN_KEY, null);
        JsonNode cold = admin.path("coldStarts");
        assertThat(cold.size()).as("%s", admin).isEqualTo(1);
        JsonNode c = cold.get(0);
        assertThat(c.path("providerKnown").asBoolean()).as("%s", c).isTrue();
        assertThat(c.path("startMs").asLong()).as("(a) contains the JVM's boot: %s", c)
                .isGreaterThanOrEqualTo(c.path("jvmMs").asLong());
        assertThat(c.path("jvmMs").asLong()).as("a JVM boots in more than nothing: %s", c).isPositive();
        assertThat(c.path("comfyUiMs").asLong()).as("the emulator's start: %s", c).isPositive();
        assertThat(c.path("warmupMs").isNumber()).as("the warm-up ran: %s", c).isTrue();
        assertThat(c.path("comfyFleetMs").asLong()).isEqualTo(
                c.path("startMs").asLong() + c.path("setupMs").asLong() + c.path("takeMs").asLong());
        long total = stack.autoscaler().recentColdStarts("cs").getFirst().toMillis();
        assertThat(c.path("comfyFleetMs").asLong() + c.path("comfyUiMs").asLong() + c.path("warmupMs").asLong())
                .as("the segments add up to the cold start the autoscaler measured (%d ms), give or take the clocks'"
                        + " granularity: %s", total, c)
                .isBetween(total - 50, total + 50);
        System.out.printf("cold start e2e segments: %s (total %d ms)%n", c, total);

        JsonNode rows = send("GET", "/dashboard/api/overview", CLIENT_KEY, null).path("workers");
        assertThat(rows.size()).isEqualTo(1);
        assertThat(rows.get(0).path("coldStartParts").path("comfyFleetMs").asLong())
                .isEqualTo(c.path("comfyFleetMs").asLong());
    }

    private JsonNode send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key);
        b = body == null ? b.GET() : b.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isBetween(200, 299);
        return JSON.readTree(r.body());
    }
}
