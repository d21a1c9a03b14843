package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code comfyfleet up} with a real ComfyUI 0.3.64 worker on CPU ({@code ../shared/comfyui/real}), stopped as a
 * user or a service manager stops it (SIGTERM) and started again on the same data folder: the stop ends the real
 * ComfyUI process (not only the worker that launched it), both once it serves and while it still imports its nodes
 * as the worker sets itself up (a ComfyUI launched in that moment used to outlive the worker and hold the port), so
 * the port is free and no ComfyUI is left running; the next {@code up}'s worker launches its ComfyUI on that same
 * port and runs a job. The emulator cannot stand in: what a real ComfyUI does on SIGTERM, and how long it takes to
 * start, is the point. Skipped, saying so, when the real ComfyUI is absent.
 */
class RealComfyStopRestartTest {
    private static final String CLIENT_KEY = "restart-client-key-0123456789";
    private static final String WORKER_KEY = "restart-worker-key-0123456789";
    private static final String EP = "restart";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

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

    @Test
    void stoppingUpEndsItsComfyUiWhetherServingOrStillStartingAndTheNextUpRunsJobsOnTheSamePort() throws Exception {
        String comfyui = UpProcess.comfyui("real"); // skips when the real ComfyUI is absent
        int port = UpProcess.freePortRun(1);

        up = startUp(port, comfyui);
        awaitIdleWorker();
        assertAJobCompletes(1);
        stopUpAndAssertNothingLeft(port);
        assertThat(workerLogs()).as("ComfyUI stopped on SIGTERM, not killed after the grace")
                .contains("ComfyUI stopped").doesNotContain("ignored SIGTERM");

        // Ctrl-C just after the start: the worker is still setting itself up while ComfyUI imports its nodes
        up = startUp(port, comfyui);
        await("ComfyUI launched").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> comfyUi().isPresent());
        stopUpAndAssertNothingLeft(port);

        up = startUp(port, comfyui);
        awaitIdleWorker();
        assertAJobCompletes(2);
        assertThat(comfyArgs()).as("the new ComfyUI listens on the same port").containsSubsequence("--port",
                Integer.toString(port));
    }

    /**
     * SIGTERM to up, as Ctrl-C or {@code systemctl stop}: up exits saying no worker or ComfyUI is left, and none is
     * (a ComfyUI left behind would go on holding the port, and the next up's worker could not launch its own).
     */
    private void stopUpAndAssertNothingLeft(int port) throws Exception {
        ProcessHandle comfy = comfyUi().orElseThrow(() -> new AssertionError("no ComfyUI under up:\n" + up.tail()));
        List<ProcessHandle> all = up.process().descendants().toList();
        up.remember(all);
        up.process().toHandle().destroy();
        assertThat(up.process().waitFor(60, TimeUnit.SECONDS)).as("up exits; it printed:\n%s", up.tail()).isTrue();
        assertThat(up.output()).as("up's last words:\n%s", up.tail())
                .anyMatch(l -> l.contains("stopped; no worker or ComfyUI process left running"));
        assertThat(comfy.isAlive()).as("ComfyUI (pid %d) outlived up; up printed:\n%s", comfy.pid(), up.tail()).isFalse();
        assertThat(all.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid))
                .as("processes up started that outlived it").isEmpty();
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as ComfyUI (asyncio) binds: a closed connection in TIME_WAIT does not count
            s.bind(new InetSocketAddress("127.0.0.1", port));
        }
        up.close();
    }

    private UpProcess startUp(int port, String comfyui) throws Exception {
        return UpProcess.start(dir, """
                server:
                  port: 0
                endpoints:
                  - name: %s
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 1
                    maxWorkers: 1
                workers:
                  cpuSlots: 1
                  basePort: %d
                  jobGrace: 5s
                  comfyui: %s
                """.formatted(EP, CLIENT_KEY, WORKER_KEY, port, comfyui), EP);
    }

    private void awaitIdleWorker() {
        UpProcess current = up;
        await("a worker with a real ComfyUI is idle").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .failFast("up exited", () -> !current.process().isAlive())
                .until(() -> get(current.root() + "/v2/" + EP + "/health").path("workers").path("idle").asInt() == 1);
    }

    /** A small job (its own colour: nothing cached) runs to COMPLETED with one image. */
    private void assertAJobCompletes(int n) throws Exception {
        String base = up.root() + "/v2/" + EP;
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/runsync?wait=90000"))
                .timeout(Duration.ofSeconds(120)).header("Authorization", CLIENT_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("""
                        {"input":{"workflow":{
                          "1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":%d}},
                          "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"restart"}}}}}"""
                        .formatted(n))).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode done = JSON.readTree(r.body());
        assertThat(done.path("status").asString()).as("job %d: %s\n%s", n, r.body(), up.tail()).isEqualTo("COMPLETED");
        assertThat(done.path("output").path("images")).hasSize(1);
    }

    private Optional<ProcessHandle> comfyUi() {
        return up.process().descendants().filter(p -> cmdline(p).contains("launch.py")).findFirst();
    }

    private List<String> comfyArgs() {
        return List.of(cmdline(comfyUi().orElseThrow(() -> new AssertionError("no ComfyUI under up:\n" + up.tail())))
                .split("\0"));
    }

    /** From /proc, NUL between the words: ProcessHandle.Info gives up on long command lines. */
    private static String cmdline(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Everything the workers wrote to their logs ({@code <dataDir>/logs}). */
    private String workerLogs() throws IOException {
        StringBuilder all = new StringBuilder();
        if (!Files.isDirectory(dir.resolve("data/logs"))) {
            return "";
        }
        try (var files = Files.walk(dir.resolve("data/logs"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                all.append(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return all.toString();
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", CLIENT_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
