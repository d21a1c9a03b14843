package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.fleet.scale.Demand;
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
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cold-start-aware scaler chosen in {@code comfyfleet.yaml}, under {@code up} with an emulator worker process:
 * with an autoscaler period of an hour, the job can only run if the scaler starts the first worker the moment the
 * job is queued; the jobs it served (read from the store at the next pass) and the worker's cold start are what the
 * scaler then forecasts from.
 */
class ColdStartAwareUpTest {
    private static final String CLIENT_KEY = "csa-client-key-0123456789";
    private static final String ADMIN_KEY = "csa-admin-key-0123456789";
    private static final String WORKFLOW = """
            {"1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":%d}},
             "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"csa"}}}""";

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
    void theScalerChosenInTheYamlStartsTheFirstWorkerAndLearnsFromTheJobsItServed() throws Exception {
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                server:
                  port: 0
                  adminKey: "%s"
                endpoints:
                  - name: csa
                    clientKeys: ["%s"]
                    workerKeys: ["csa-worker-key-0123456789"]
                    minWorkers: 0
                    maxWorkers: 1
                    idleTimeout: 10m
                    scaler: {type: COLD_START_AWARE, value: 2}
                workers:
                  cpuSlots: 1
                  basePort: %d
                  jobGrace: 5s
                """.formatted(ADMIN_KEY, CLIENT_KEY, UpProcess.freePortRun(1)));
        UpConfig config = new UpConfigLoader(Map.<String, String>of()::get).load(file, dir)
                .with(new FleetSettings.ComfyLaunch.Emulator(List.of("--zero-time")));
        stack = FleetStack.start(config, Duration.ofHours(1), Clock.systemUTC());
        root = "http://127.0.0.1:" + stack.port();
        JsonNode scaler = send("GET", "/admin/endpoints/csa", ADMIN_KEY, null).path("scaler");
        assertThat(scaler.path("type").asString()).isEqualTo("COLD_START_AWARE");
        assertThat(scaler.path("value").asDouble()).isEqualTo(2.0);
        assertThat(stack.autoscaler().demand("csa")).as("nothing measured before a job").isEqualTo(Demand.none());

        for (int color = 1; color <= 2; color++) {
            String id = send("POST", "/v2/csa/run", CLIENT_KEY, "{\"input\":{\"workflow\":" + WORKFLOW.formatted(color)
                    + "}}").path("id").asString();
            // a worker JVM and the emulator boot for the first job: on a loaded two-core machine that took a minute
            JsonNode done;
            try {
                done = await("job " + color).atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200))
                        .until(() -> send("GET", "/v2/csa/status/" + id, CLIENT_KEY, null),
                                s -> List.of("COMPLETED", "FAILED").contains(s.path("status").asString()));
            } catch (ConditionTimeoutException e) {
                // with a period of an hour, a missed pass or a worker that died leaves the job queued: say which
                throw new AssertionError("autoscaler after " + stack.autoscaler().passes() + " passes, "
                        + stack.autoscaler().failures() + " failures, workers " + stack.autoscaler().workers("csa"), e);
            }
            assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        }

        // the demand is read from the store before each pass; with a period of an hour, run the next one now
        stack.autoscaler().runOnce();
        Demand measured = stack.autoscaler().demand("csa");
        assertThat(measured.arrivals()).as("both jobs' arrivals").hasSize(2);
        assertThat(measured.execution()).as("the jobs' execution time").isNotNull();
        assertThat(measured.coldStart()).as("the worker's cold start").isNotNull().isPositive();
        assertThat(stack.autoscaler().recentColdStarts("csa")).contains(measured.coldStart());
    }

    private JsonNode send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key);
        b = body == null ? b.GET() : b.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isBetween(200, 299);
        return JsonMapper.shared().readTree(r.body());
    }
}
