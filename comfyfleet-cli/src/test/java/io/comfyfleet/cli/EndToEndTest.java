package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.comfy.Json;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.WorkerApp;
import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.input.UrlPolicy;
import io.comfyfleet.worker.run.ComfyJobHandler;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The real gateway (in this JVM, SQLite), the real worker (in this JVM) and the ComfyUI emulator as a
 * separate process launched by the worker's supervisor: jobs go in through RunPod's client API and come out
 * with outputs, progress, failures and cancellation as a client sees them.
 */
class EndToEndTest {
    private static final String CLIENT_KEY = "client-key-0123456789";
    private static final String WORKER_KEY = "worker-key-0123456789";

    @TempDir
    Path dir;
    private Gateway gateway;
    private WorkerApp worker;
    private CompletableFuture<Integer> workerExit;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        if (worker != null) {
            worker.stop();
            workerExit.get(60, TimeUnit.SECONDS);
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    private void start(String outputs) throws Exception {
        start(outputs, "30s", Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    private void start(String outputs, String lease, Duration progressInterval, Duration pingInterval) throws Exception {
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: 0
                  dataDir: data
                  jobTakeHold: 2s
                  jobStopHold: 2s
                  lease: %s
                  retention: 30m
                  sweepInterval: 200ms
                endpoints:
                  - name: ep1
                    clientKeys: [%s]
                    workerKeys: [%s]
                    executionTimeout: 10m
                    ttl: 1h
                    maxRetries: 1
                """.formatted(lease, CLIENT_KEY, WORKER_KEY);
        gateway = Gateway.start(new ConfigLoader(name -> null).parse(yaml, "end-to-end test", dir));

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        LaunchSpec emulator = LaunchSpec.custom("exec " + java + " -cp " + System.getProperty("java.class.path")
                + " io.comfyfleet.emulator.cli.EmulatorMain --listen 127.0.0.1 --port {port} --disable-auto-launch"
                + " --input-directory {input} --output-directory {output} --temp-directory {temp} --startup-delay 0"
                + " --preview-method latent2rgb", port, dir.resolve("worker/comfyui"));
        WorkerSettings settings = new WorkerSettings(
                GatewayEndpoints.forGateway(base(), "ep1", "w1", WORKER_KEY, pingInterval),
                null, emulator,
                new SupervisorSettings(Duration.ofSeconds(90), Duration.ofSeconds(5),
                        new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2)), 3, Duration.ofMinutes(5), 20),
                dir.resolve("worker"), Duration.ofSeconds(5),
                new WorkerSettings.JobSettings(Duration.ofMinutes(5), Duration.ofSeconds(5),
                        WorkerSettings.CrashPolicy.FAIL, progressInterval, 128),
                new WorkerSettings.OutputSettings(outputs, 20L * 1024 * 1024, null), UrlPolicy.defaults(), null);
        worker = new WorkerApp(settings, ComfyJobHandler::new);
        workerExit = new CompletableFuture<>();
        Thread.ofPlatform().name("worker-app").start(() -> {
            try {
                workerExit.complete(worker.run());
            } catch (Throwable t) {
                workerExit.completeExceptionally(t);
            }
        });
    }

    private JsonNode call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + CLIENT_KEY)
                .timeout(Duration.ofSeconds(120));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s -> %s", method, path, r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }

    private JsonNode awaitTerminal(String id) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = call("GET", "/v2/ep1/status/" + id, null);
            String s = last[0].path("status").asString();
            return s.equals("COMPLETED") || s.equals("FAILED") || s.equals("CANCELLED") || s.equals("TIMED_OUT");
        });
        return last[0];
    }

    private static String workflow(String middleNode, int color) {
        return "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":48,\"batch_size\":1,\"color\":" + color + "}},"
                + "\"2\":" + middleNode + ",\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"e2e\"}}}";
    }

    @Test
    void jobsRunEndToEndWithProgressFailuresAndCancellation() throws Exception {
        start("inline");

        // 1. runsync: COMPLETED with the image inline, in worker-comfyui's shape
        JsonNode done = call("POST", "/v2/ep1/runsync?wait=90000", "{\"input\":{\"workflow\":"
                + workflow("{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}}", 1) + "}}");
        if (!done.path("status").asString().equals("COMPLETED")) {
            done = awaitTerminal(done.path("id").asString());
        }
        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        JsonNode image = done.path("output").path("images").get(0);
        assertThat(image.path("type").asString()).isEqualTo("base64");
        assertThat(image.path("filename").asString()).endsWith(".png");
        assertThat(done.path("output").path("outputs").get(0).path("sha256").asString()).hasSize(64);

        // 2. progress is visible on /status while the workflow runs
        String slow = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],\"steps\":10,\"delay_ms\":300,\"fail_at\":-1}}", 2)
                + "}}").path("id").asString();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode s = call("GET", "/v2/ep1/status/" + slow, null);
            return s.path("status").asString().equals("IN_PROGRESS") && s.path("output").has("max_steps");
        });
        JsonNode running = call("GET", "/v2/ep1/status/" + slow, null);
        assertThat(running.path("output").path("node_type").asString()).isEqualTo("SlowProgress");
        assertThat(awaitTerminal(slow).path("status").asString()).isEqualTo("COMPLETED");

        // 3. a bad workflow FAILS with a message that says what to change
        String bad = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"NoSuchNode\",\"inputs\":{}}", 3) + "}}").path("id").asString();
        JsonNode failed = awaitTerminal(bad);
        assertThat(failed.path("status").asString()).isEqualTo("FAILED");
        assertThat(failed.path("error").asString()).contains("NoSuchNode");

        // 4. cancelling a running job stops it on ComfyUI; the next job still runs
        String hang = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],\"steps\":200,\"delay_ms\":300,\"fail_at\":-1}}", 4)
                + "}}").path("id").asString();
        await().atMost(Duration.ofSeconds(60)).until(() -> call("GET", "/v2/ep1/status/" + hang, null)
                .path("output").has("max_steps"));
        call("POST", "/v2/ep1/cancel/" + hang, null);
        assertThat(awaitTerminal(hang).path("status").asString()).isEqualTo("CANCELLED");
        String after = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}}", 5) + "}}").path("id").asString();
        JsonNode afterDone = awaitTerminal(after);
        assertThat(afterDone.path("status").asString()).as("%s", afterDone).isEqualTo("COMPLETED");
    }

    @Test
    void heartbeatsKeepTheLeaseOfAJobLongerThanTheLease() throws Exception {
        // progress posts are held back for an hour, so only the pings (job_id=…) can keep the lease
        start("inline", "2s", Duration.ofHours(1), Duration.ofMillis(500));
        // 20 steps of 300 ms: three times the lease
        String id = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],\"steps\":20,\"delay_ms\":300,\"fail_at\":-1}}", 7)
                + "}}").path("id").asString();
        JsonNode done = awaitTerminal(id);
        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.path("retries").asInt(0)).isZero();
    }

    @Test
    void outputsCanGoToTheGatewayOutputStore() throws Exception {
        start("gateway");
        String id = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}}", 6) + "}}").path("id").asString();
        JsonNode done = awaitTerminal(id);
        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        JsonNode file = done.path("output").path("outputs").get(0);
        assertThat(file.path("type").asString()).isEqualTo("url");
        HttpResponse<byte[]> fetched = http.send(HttpRequest.newBuilder(URI.create(file.path("url").asString()))
                .header("Authorization", "Bearer " + CLIENT_KEY).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat((long) fetched.body().length).isEqualTo(file.path("size").asLong());
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(fetched.body()));
        assertThat(sha).isEqualTo(file.path("sha256").asString());
    }
}
