package io.comfyfleet.cli;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A whole fleet for end-to-end tests: the real gateway (in this JVM, SQLite, endpoint {@code ep1}), the real worker
 * (in this JVM) and the ComfyUI emulator as a separate process launched by the worker's supervisor. Closing it stops
 * the worker (and so the emulator), then the gateway.
 */
final class LocalFleet implements AutoCloseable {
    static final String CLIENT_KEY = "client-key-0123456789";
    static final String WORKER_KEY = "worker-key-0123456789";

    private final Gateway gateway;
    private final WorkerApp worker;
    private final CompletableFuture<Integer> workerExit = new CompletableFuture<>();

    /**
     * @param outputs          the worker's {@code --outputs}: inline, s3 or gateway
     * @param lease            the gateway's lease, e.g. {@code 30s}
     * @param progressInterval how often the worker posts progress
     * @param pingInterval     how often the worker pings
     */
    LocalFleet(Path dir, String outputs, String lease, Duration progressInterval, Duration pingInterval) throws Exception {
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
        Thread.ofPlatform().name("worker-app").start(() -> {
            try {
                workerExit.complete(worker.run());
            } catch (Throwable t) {
                workerExit.completeExceptionally(t);
            }
        });
    }

    /** The gateway's address, e.g. {@code http://127.0.0.1:41234}. */
    String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    @Override
    public void close() throws Exception {
        try {
            worker.stop();
            workerExit.get(60, TimeUnit.SECONDS);
        } finally {
            gateway.close();
        }
    }
}
