package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three {@code comfyfleet up} processes on one (embedded, real) PostgreSQL, each with the local-process provider
 * and emulator workers: jobs submitted round-robin across the gateways all complete; only the holder of the
 * control-loop lease starts workers; {@code kill -9} of that leader mid-stream: another gateway takes the lease
 * over and scales, no job is lost, no completed job runs again, and never more than maxWorkers worker processes
 * are alive at once across all gateways, counted from the operating system's process table (not from the
 * gateways' answers). A standby's {@code /health} counts the leader's workers, those still starting included.
 */
class SeveralGatewaysTest {
    private static final String CLIENT_KEY = "multi-client-key-0123456789";
    private static final String WORKER_KEY = "multi-worker-key-0123456789";
    private static final int MAX_WORKERS = 2;
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String SLOW_WORKFLOW = """
            {"input":{"workflow":{
              "1":{"class_type":"EmptyImage","inputs":{"width":16,"height":16,"batch_size":1,"color":%d}},
              "2":{"class_type":"SlowProgress","inputs":{"image":["1",0],"steps":6,"delay_ms":100,"fail_at":-1}},
              "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"multi"}}}}}""";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<UpProcess> ups = new ArrayList<>();
    private EmbeddedPostgres postgres;
    private final AtomicBoolean counting = new AtomicBoolean(true);

    @AfterEach
    void stopEverything() throws Exception {
        counting.set(false);
        ups.forEach(UpProcess::close);
        http.close();
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void threeGatewaysShareTheQueueAndOneControlLoopThroughAKillOfTheLeader() throws Exception {
        long began = System.nanoTime();
        postgres = TestPostgres.start();
        // started together: each up is a JVM that takes seconds to start on a busy machine
        List<java.util.concurrent.CompletableFuture<UpProcess>> starting = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            starting.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return start(name);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (var up : starting) {
            ups.add(up.join());
        }
        phase(began, "3 gateways up");
        AtomicInteger peak = new AtomicInteger();
        List<String> overMax = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread counter = Thread.ofPlatform().daemon().start(() -> {
            while (counting.get()) {
                List<ProcessHandle> live = liveWorkers();
                peak.accumulateAndGet(live.size(), Math::max);
                if (live.size() > MAX_WORKERS) {
                    overMax.add(String.format("%.1f s: %s", (System.nanoTime() - began) / 1e9, live.stream()
                            .map(p -> p.pid() + " of " + p.parent().map(ProcessHandle::pid).orElse(-1L)).toList()));
                }
                try {
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        UpProcess leader = await("one gateway holds the control-loop lease").atMost(Duration.ofSeconds(20))
                .until(this::leaseHolder, Optional::isPresent).orElseThrow();
        UpProcess watched = ups.stream().filter(u -> u != leader).findFirst().orElseThrow();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(submit(ups.get(i % ups.size()), i));
        }
        // the leader's workers take seconds to start (a JVM, then its emulator); a standby learns of them through
        // the store within a round of the worker board (controlRenew), so its /health counts them initializing
        AtomicInteger standbyInitializing = new AtomicInteger();
        await("some jobs done before the leader dies").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    standbyInitializing.accumulateAndGet(health(watched).path("workers").path("initializing").asInt(),
                            Math::max);
                    return completed(ids) >= 2;
                });
        assertThat(standbyInitializing.get()).as("a standby's /health counts the leader's starting workers")
                .isPositive();
        phase(began, completed(ids) + " jobs done");
        for (UpProcess up : ups) {
            if (up != leader) {
                assertThat(up.process().descendants().anyMatch(SeveralGatewaysTest::isWorker))
                        .as("a standby starts no worker").isFalse();
            }
        }
        JsonNode standbyHealth = health(watched);
        assertThat(standbyHealth.path("workers").path("running").asInt()
                + standbyHealth.path("workers").path("idle").asInt())
                .as("a standby's /health counts the leader's workers: %s", standbyHealth).isPositive();
        assertThat(standbyHealth.path("workers").path("versions").propertyNames().iterator().next())
                .as("with the version they announced").startsWith("local-");
        int doneBeforeKill = completed(ids);

        leader.remember(leader.process().descendants().toList());
        long killed = System.nanoTime();
        leader.process().destroyForcibly(); // SIGKILL: no lease given up, no worker stopped in order
        List<UpProcess> survivors = ups.stream().filter(u -> u != leader).toList();
        UpProcess next = await("another gateway takes the control loop over").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(this::leaseHolder, h -> h.isPresent() && h.get() != leader).orElseThrow();
        double failover = (System.nanoTime() - killed) / 1e9;
        phase(began, "new leader after " + failover + " s");
        for (int i = 0; i < 4; i++) {
            ids.add(submit(survivors.get(i % survivors.size()), 100 + i));
        }
        try {
            await("every job completes, those of the killed gateway's workers too").atMost(Duration.ofSeconds(150))
                    .pollInterval(Duration.ofMillis(250)).until(() -> completed(ids) == ids.size());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder why = new StringBuilder(e.getMessage());
            for (String id : ids) {
                why.append("\n").append(id).append(": ").append(get(next, "/v2/multi/status/" + id).path("status"));
            }
            for (UpProcess up : survivors) {
                why.append("\n--- up ").append(up.process().pid()).append(":\n").append(up.tail());
            }
            throw new AssertionError(why.toString(), e);
        }
        phase(began, "all done");
        assertThat(next.output()).as("the new leader started workers; output:\n%s", next.tail())
                .anyMatch(l -> l.contains("took over the control loop"));
        assertThat(peak.get()).as("live worker processes at the peak, across all gateways; over the max: %s (the killed"
                + " up was pid %d)", overMax, leader.process().pid()).isLessThanOrEqualTo(MAX_WORKERS)
                .isPositive();

        // no completed job ran again: each result was accepted by a gateway once
        Map<String, Integer> accepted = new HashMap<>();
        for (UpProcess up : ups) {
            for (String line : up.output()) {
                int at = line.indexOf("Gateway accepted the result of job ");
                if (at >= 0) {
                    String id = line.substring(at + 35).split(" ")[0];
                    accepted.merge(id, 1, Integer::sum);
                }
            }
        }
        assertThat(accepted).allSatisfy((id, n) -> assertThat(n).as("results accepted for job %s", id).isEqualTo(1));
        counting.set(false);
        counter.join(1000);
        System.out.printf("several gateways: %d jobs over 3 gateways, %d done before kill -9 of the leader,"
                + " new leader holds the lease %.2f s after the kill, peak %d worker processes, %.1f s in all%n",
                ids.size(), doneBeforeKill, failover, peak.get(), (System.nanoTime() - began) / 1e9);
    }

    private static void phase(long began, String what) {
        System.out.printf("several gateways: %.1f s: %s%n", (System.nanoTime() - began) / 1e9, what);
    }

    private UpProcess start(String name) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        int basePort = UpProcess.freePortRun(MAX_WORKERS);
        return UpProcess.start(Duration.ofSeconds(120), home, """
                server:
                  port: 0
                  lease: 6s
                  jobTakeHold: 5s
                  controlLease: 3s
                  controlRenew: 500ms
                store:
                  type: postgres
                  url: "%s"
                  user: postgres
                endpoints:
                  - name: multi
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 0
                    maxWorkers: %d
                    idleTimeout: 60s
                    scaler: {type: REQUEST_COUNT, value: 1}
                workers:
                  cpuSlots: %d
                  basePort: %d
                  jobGrace: 5s
                  comfyui:
                    emulator: true
                    emulatorArgs: [--zero-time]
                """.formatted(postgres.getJdbcUrl("postgres", "postgres"), CLIENT_KEY, WORKER_KEY, MAX_WORKERS,
                MAX_WORKERS, basePort), "multi", "--scale-period", "250");
    }

    /** The up process whose gateway holds the control-loop lease now (the holder id carries its pid). */
    private Optional<UpProcess> leaseHolder() throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT holder, expires_at FROM leases WHERE name = 'control-loop'")) {
            if (!rs.next() || rs.getLong(2) <= System.currentTimeMillis()) {
                return Optional.empty();
            }
            String holder = rs.getString(1);
            return ups.stream().filter(u -> u.process().isAlive() && holder.contains("-" + u.process().pid() + "-"))
                    .findFirst();
        } catch (java.sql.SQLException e) {
            return Optional.empty(); // the table appears with the first gateway's migration
        }
    }

    /**
     * Worker processes of this test alive now, found by their command line ({@code Main worker ... dir}). A child of
     * a worker is not another worker: it is the worker starting its ComfyUI, which between fork and exec still shows
     * the worker's command line (seen as a third "worker" with maxWorkers 2, whose parent was a worker).
     */
    private List<ProcessHandle> liveWorkers() {
        String mine = dir.toString();
        return ProcessHandle.allProcesses().filter(SeveralGatewaysTest::isWorker)
                .filter(p -> commandLine(p).contains(mine))
                .filter(p -> p.parent().map(parent -> !isWorker(parent)).orElse(true)).toList();
    }

    private static boolean isWorker(ProcessHandle p) {
        List<String> args = List.of(commandLine(p).split("\0"));
        int main = args.indexOf("io.comfyfleet.cli.Main");
        return main >= 0 && main + 1 < args.size() && args.get(main + 1).equals("worker") && p.isAlive();
    }

    /**
     * The process's arguments, NUL-separated, read from /proc: {@code ProcessHandle.Info} gives up on command lines
     * as long as these (the whole class path).
     */
    private static String commandLine(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
        } catch (java.io.IOException | RuntimeException e) {
            return ""; // gone meanwhile
        }
    }

    private String submit(UpProcess up, int n) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(up.root() + "/v2/multi/run"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + CLIENT_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SLOW_WORKFLOW.formatted(n))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("id").asString();
    }

    /** How many of the jobs are COMPLETED, asked of any live gateway (they share the store). */
    private int completed(List<String> ids) throws Exception {
        UpProcess any = ups.stream().filter(u -> u.process().isAlive()).findFirst().orElseThrow();
        int done = 0;
        for (String id : ids) {
            JsonNode status = get(any, "/v2/multi/status/" + id);
            String state = status.path("status").asString();
            assertThat(state).as("job %s: %s", id, status).isIn("IN_QUEUE", "IN_PROGRESS", "COMPLETED");
            done += state.equals("COMPLETED") ? 1 : 0;
        }
        return done;
    }

    private JsonNode health(UpProcess up) throws Exception {
        return get(up, "/v2/multi/health");
    }

    private JsonNode get(UpProcess up, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(up.root() + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", CLIENT_KEY).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
