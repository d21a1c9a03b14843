package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.ScriptedWorker;
import io.comfyfleet.gateway.support.TestGateway;
import io.comfyfleet.testkit.FreePorts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as a separate OS process, killed with SIGKILL in the middle of concurrent submissions and
 * restarted on the same data folder: every job whose {@code /run} was answered 200 must survive and end
 * COMPLETED exactly once, finished by a worker that kept running across the crash.
 */
class CrashRecoveryTest {
    private static final int CLIENTS = 6;
    private static final int ACCEPTED_BEFORE_KILL = 100;
    private static final int ACCEPTED_AFTER_RESTART = 100;

    @TempDir
    Path dir;

    @Test
    void everyAcceptedJobEndsCompletedAfterAKillNineMidLoad() throws Exception {
        int port = FreePorts.one(); // the gateway's, another process, started again there after the kill
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, TestGateway.yaml("  lease: 2s\n  sweepInterval: 200ms")
                .replace("port: 0", "port: " + port)
                .replace("jobTakeHold: 1s", "jobTakeHold: 5s"));
        String base = "http://127.0.0.1:" + port;
        Api client = new Api(base, TestGateway.CLIENT_KEY);
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        AtomicBoolean submitting = new AtomicBoolean(true);

        Process gateway = launch(config);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        try (ScriptedWorker worker = new ScriptedWorker(base + "/v2/ep1", TestGateway.WORKER_KEY, "crash-w1").start()) {
            for (int c = 0; c < CLIENTS; c++) {
                int clientNo = c;
                clients.execute(() -> {
                    int n = 0;
                    while (submitting.get()) {
                        try {
                            Reply reply = client.post("/v2/ep1/run",
                                    "{\"input\":{\"client\":" + clientNo + ",\"n\":" + n++ + "}}");
                            if (reply.status() == 200) {
                                accepted.add(reply.field("id"));
                            } else {
                                refused.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            refused.incrementAndGet(); // the gateway is down: not accepted, nothing promised
                            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                        }
                    }
                });
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= ACCEPTED_BEFORE_KILL);
            gateway.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, mid-request
            gateway.waitFor(10, TimeUnit.SECONDS);
            int acceptedAtKill = accepted.size();

            gateway = launch(config);
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> accepted.size() >= acceptedAtKill + ACCEPTED_AFTER_RESTART);
            submitting.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            List<String> ids = List.copyOf(accepted);
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> ids.stream().allMatch(id -> "COMPLETED".equals(client.get("/v2/ep1/status/" + id)
                            .field("status"))));
            for (String id : ids) {
                Reply status = client.get("/v2/ep1/status/" + id);
                assertThat(status.field("status")).as(id).isEqualTo("COMPLETED");
                assertThat(status.json().path("output").has("client")).as(id).isTrue();
            }
            assertThat(worker.finished()).isGreaterThanOrEqualTo(ids.size());
            Reply health = client.get("/v2/ep1/health");
            System.out.printf("crash test: %d accepted (%d before the kill), %d refused while down, health %s%n",
                    ids.size(), acceptedAtKill, refused.get(), health.text());
            assertThat(health.json().path("jobs").path("completed").asLong()).isGreaterThanOrEqualTo(ids.size());
            assertThat(health.json().path("jobs").path("inQueue").asLong()).isZero();
            assertThat(health.json().path("jobs").path("inProgress").asLong()).isZero();
        } finally {
            submitting.set(false);
            clients.shutdownNow();
            gateway.destroyForcibly();
            gateway.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts the gateway in a new JVM on the test classpath and waits until it listens. */
    private static Process launch(Path config) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"),
                "io.comfyfleet.gateway.support.GatewayProcessMain", config.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        // generous: a JVM start on a loaded two-core machine has taken over a minute
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("LISTENING ")) {
                // keep draining its output so the child never blocks on a full pipe
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
                return process;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        process.destroyForcibly();
        throw new AssertionError("the gateway process did not start; last line: " + line);
    }
}
