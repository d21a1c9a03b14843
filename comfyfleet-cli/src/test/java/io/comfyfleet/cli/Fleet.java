package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.testkit.FreePorts;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.JobTimings;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * The real gateway (in this JVM, SQLite), the real worker (in this JVM) and the ComfyUI emulator as a
 * separate process launched by the worker's supervisor, plus a client of RunPod's API. Shared by the
 * end-to-end tests and the worker-overhead benchmark; {@link #close()} stops all three.
 */
final class Fleet implements AutoCloseable {
    static final String CLIENT_KEY = "client-key-0123456789";
    static final String WORKER_KEY = "worker-key-0123456789";

    /** What differs between the scenarios; {@link #defaults()} is the plain case. */
    record Options(String outputs, String lease, Duration progressInterval, Duration pingInterval,
                   String executionTimeout, String emulatorFlags, WorkerSettings.CrashPolicy onCrash) {
        static Options defaults() {
            return new Options("inline", "30s", Duration.ofMillis(100), Duration.ofSeconds(1), "10m", "",
                    WorkerSettings.CrashPolicy.FAIL);
        }

        Options outputs(String v) {
            return new Options(v, lease, progressInterval, pingInterval, executionTimeout, emulatorFlags, onCrash);
        }

        Options lease(String v, Duration progress, Duration ping) {
            return new Options(outputs, v, progress, ping, executionTimeout, emulatorFlags, onCrash);
        }

        Options executionTimeout(String v) {
            return new Options(outputs, lease, progressInterval, pingInterval, v, emulatorFlags, onCrash);
        }

        Options emulatorFlags(String v) {
            return new Options(outputs, lease, progressInterval, pingInterval, executionTimeout, v, onCrash);
        }

        Options onCrash(WorkerSettings.CrashPolicy v) {
            return new Options(outputs, lease, progressInterval, pingInterval, executionTimeout, emulatorFlags, v);
        }
    }

    final Gateway gateway;
    final WorkerApp worker;
    final int comfyPort;
    private final CompletableFuture<Integer> workerExit = new CompletableFuture<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private Fleet(Gateway gateway, WorkerApp worker, int comfyPort) {
        this.gateway = gateway;
        this.worker = worker;
        this.comfyPort = comfyPort;
    }

    static Fleet start(Path dir, Options o) throws Exception {
        return start(dir, o, null);
    }

    /** Starts gateway, worker and emulator; {@code timings} (may be null) receives each job's {@link JobTimings}. */
    static Fleet start(Path dir, Options o, Consumer<JobTimings> timings) throws Exception {
        return start(dir, o, timings, null);
    }

    /**
     * As {@link #start(Path, Options, Consumer)}, but the worker launches real ComfyUI from {@code realComfy}
     * (a folder holding {@code ComfyUI/} and its {@code python} launcher) instead of the emulator.
     */
    static Fleet start(Path dir, Options o, Consumer<JobTimings> timings, Path realComfy) throws Exception {
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
                    executionTimeout: %s
                    ttl: 1h
                    maxRetries: 1
                """.formatted(o.lease(), CLIENT_KEY, WORKER_KEY, o.executionTimeout());
        Gateway gateway = Gateway.start(new ConfigLoader(name -> null).parse(yaml, "end-to-end test", dir));
        try {
            int port = FreePorts.one(); // for the worker's ComfyUI, another process
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            LaunchSpec emulator = realComfy != null
                    ? LaunchSpec.python(realComfy.resolve("ComfyUI"), realComfy.resolve("python").toString(), port,
                            dir.resolve("worker/comfyui"), false, List.of())
                    // a lean JVM, as up starts its emulators (WorkerCommandLine): about 1 s less of each start here
                    : LaunchSpec.custom("exec " + java + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp "
                    + System.getProperty("java.class.path")
                    + " io.comfyfleet.emulator.cli.EmulatorMain --listen 127.0.0.1 --port {port} --disable-auto-launch"
                    + " --input-directory {input} --output-directory {output} --temp-directory {temp} --startup-delay 0"
                    + " --preview-method latent2rgb " + o.emulatorFlags(), port, dir.resolve("worker/comfyui"));
            WorkerSettings settings = new WorkerSettings(
                    GatewayEndpoints.forGateway("http://127.0.0.1:" + gateway.port(), "ep1", "w1", WORKER_KEY,
                            o.pingInterval()),
                    null, emulator,
                    new SupervisorSettings(Duration.ofSeconds(90), Duration.ofSeconds(5),
                            new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2)), 3, Duration.ofMinutes(5), 20),
                    dir.resolve("worker"), Duration.ofSeconds(5),
                    new WorkerSettings.JobSettings(Duration.ofMinutes(5), Duration.ofSeconds(5), o.onCrash(),
                            o.progressInterval(), 128),
                    new WorkerSettings.OutputSettings(o.outputs(), 20L * 1024 * 1024, null), UrlPolicy.defaults(), null);
            WorkerApp worker = new WorkerApp(settings, ComfyJobHandler::new).onJobTimings(timings);
            Fleet fleet = new Fleet(gateway, worker, port);
            Thread.ofPlatform().name("worker-app").start(() -> {
                try {
                    fleet.workerExit.complete(worker.run());
                } catch (Throwable t) {
                    fleet.workerExit.completeExceptionally(t);
                }
            });
            try {
                fleet.awaitComfyReady();
            } catch (RuntimeException | Error e) {
                fleet.close();
                throw e;
            }
            return fleet;
        } catch (Exception | Error e) {
            gateway.close();
            throw e;
        }
    }

    String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    /** A client call to endpoint {@code ep1}'s API that must answer 200. */
    JsonNode call(String method, String path, String body) throws Exception {
        HttpResponse<String> r = send(method, path, body);
        assertThat(r.statusCode()).as("%s %s -> %s", method, path, r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }

    /** A client call to endpoint {@code ep1}'s API, whatever it answers. */
    HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + CLIENT_KEY)
                .timeout(Duration.ofSeconds(120));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Queues a job with {@code input} (a JSON object) and returns its id. */
    String run(String input) throws Exception {
        return call("POST", "/v2/ep1/run", "{\"input\":" + input + "}").path("id").asString();
    }

    JsonNode status(String id) throws Exception {
        return call("GET", "/v2/ep1/status/" + id, null);
    }

    /** Polls /status until the job ends (at most 120 s) and returns the last answer. */
    JsonNode awaitTerminal(String id) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = status(id);
            String s = last[0].path("status").asString();
            return s.equals("COMPLETED") || s.equals("FAILED") || s.equals("CANCELLED") || s.equals("TIMED_OUT");
        });
        return last[0];
    }

    /** Replaces the emulator's fault plan (its {@code /emulator/faults} control route). */
    void faults(String plan) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + comfyPort + "/emulator/faults"))
                .POST(HttpRequest.BodyPublishers.ofString(plan)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("fault plan %s -> %s", plan, r.body()).isEqualTo(200);
    }

    /** The pid of the emulator process the worker's supervisor runs now, or -1 when none runs. */
    long comfyPid() {
        return emulatorProcesses().filter(ProcessHandle::isAlive).findFirst().map(ProcessHandle::pid).orElse(-1L);
    }

    /**
     * This JVM's descendants started for this fleet's ComfyUI port, matched on {@code /proc/PID/cmdline}
     * (Linux), which holds every argument of the emulator's long command line.
     */
    private java.util.stream.Stream<ProcessHandle> emulatorProcesses() {
        String flag = "--port\0" + comfyPort + "\0"; // arguments are NUL-separated
        return ProcessHandle.current().descendants().filter(p -> {
            try {
                return java.nio.file.Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"),
                        java.nio.charset.StandardCharsets.ISO_8859_1).contains(flag);
            } catch (java.io.IOException | RuntimeException e) {
                return false; // gone meanwhile, or no /proc
            }
        });
    }

    /** Waits (at most 90 s) until the emulator answers, so fault plans can be set before the first job. */
    private void awaitComfyReady() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + comfyPort + "/system_stats"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    /** Stops the worker (and so the emulator process) and the gateway. */
    @Override
    public void close() throws Exception {
        try {
            worker.stop();
            workerExit.get(60, TimeUnit.SECONDS);
        } finally {
            // the supervisor kills the emulator; make sure even when the worker did not stop cleanly
            emulatorProcesses().forEach(ProcessHandle::destroyForcibly);
            gateway.close();
        }
    }
}
