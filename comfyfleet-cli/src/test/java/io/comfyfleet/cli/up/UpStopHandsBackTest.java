package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Ctrl-C while a job runs longer than {@code workers.jobGrace}: the job did not fail, its worker was stopped. It
 * goes back to the queue at once, without counting a retry, and the terminal says so; the next {@code up} on the
 * same data folder runs it (instead of showing it IN_PROGRESS on a worker that is gone until its lease runs out).
 */
class UpStopHandsBackTest {
    private static final String CLIENT_KEY = "handback-client-key-0123456789";
    private static final String WORKER_KEY = "handback-worker-key-0123456789";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** 60 × 200 ms: far longer than the 1 s grace, short enough to run to its end after the restart. */
    private static final String SLOW_WORKFLOW = """
            {"input":{"workflow":{
              "1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":7}},
              "2":{"class_type":"SlowProgress","inputs":{"image":["1",0],"steps":60,"delay_ms":200,"fail_at":-1}},
              "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"slow"}}}}}""";

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

    private UpProcess startUp(int basePort) throws Exception {
        return UpProcess.start(dir, """
                server:
                  port: 0
                  lease: 2m   # a job left to its lease would still be IN_PROGRESS long after the restart
                endpoints:
                  - name: hb
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 0
                    maxWorkers: 1
                workers:
                  cpuSlots: 1
                  basePort: %d
                  jobGrace: 1s
                  comfyui:
                    emulator: true
                    emulatorArgs: [--zero-time]
                """.formatted(CLIENT_KEY, WORKER_KEY, basePort), "hb", "--scale-period", "250");
    }

    @Test
    void aJobStillRunningWhenUpStopsIsBackInTheQueueAtOnceWithoutARetryAndRunsAtTheNextStart() throws Exception {
        int basePort = UpProcess.freePortRun(1);
        up = startUp(basePort);
        String base = up.root() + "/v2/hb";
        HttpResponse<String> run = http.send(HttpRequest.newBuilder(URI.create(base + "/run"))
                .header("Authorization", CLIENT_KEY).POST(HttpRequest.BodyPublishers.ofString(SLOW_WORKFLOW)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        String id = JSON.readTree(run.body()).path("id").asString();
        await("the slow job running").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> "IN_PROGRESS".equals(status(base, id).path("status").asString()));
        String firstWorker = status(base, id).path("workerId").asString();

        up.remember(up.process().descendants().toList());
        up.process().toHandle().destroy(); // Ctrl-C (SIGTERM): the job cannot finish within its 1 s grace
        assertThat(up.process().waitFor(60, TimeUnit.SECONDS)).as("up exits; it printed:\n%s", up.tail()).isTrue();
        assertThat(up.output()).as("the stop says the job was interrupted and runs again:\n%s", up.tail())
                .anyMatch(l -> l.contains("job " + id + " of hb is back in the queue: worker " + firstWorker
                        + " was stopped before it finished it; it runs again (not counted as a retry)"))
                .anyMatch(l -> l.contains("WARN: 1 job(s) did not finish before their workers stopped: back in the"
                        + " queue, they run again at the next start (not counted as a retry): [" + id + "]"))
                .noneMatch(l -> l.contains("retry 1 of"));
        up.close();

        up = startUp(basePort);
        assertThat(up.output()).as("the start says the job left by the stop runs now:\n%s", up.tail())
                .anyMatch(l -> l.contains("1 job queued from before this start: it runs once a worker is ready"));
        JsonNode after = status(base(up), id);
        assertThat(after.path("status").asString()).as("at once, not after its lease: %s", after)
                .isIn("IN_QUEUE", "IN_PROGRESS");
        if (after.path("status").asString().equals("IN_PROGRESS")) {
            assertThat(after.path("workerId").asString()).as("not on the worker that is gone: %s", after)
                    .isNotEqualTo(firstWorker);
        }
        assertThat(after.path("retries").asInt()).isZero();

        JsonNode done = await("the job run again to its end").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250)).until(() -> status(base(up), id),
                        s -> s.path("status").asString().equals("COMPLETED") || s.path("status").asString().equals("FAILED"));
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("COMPLETED");
        assertThat(done.path("retries").asInt()).as("it never failed").isZero();
        assertThat(done.path("workerId").asString()).isNotEqualTo(firstWorker);
    }

    private static String base(UpProcess up) {
        return up.root() + "/v2/hb";
    }

    private JsonNode status(String base, String id) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/status/" + id))
                .timeout(Duration.ofSeconds(10)).header("Authorization", CLIENT_KEY).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
