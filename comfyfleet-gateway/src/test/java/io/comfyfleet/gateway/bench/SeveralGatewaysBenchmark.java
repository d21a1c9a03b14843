package io.comfyfleet.gateway.bench;

import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import io.comfyfleet.gateway.support.TestGateway;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Several gateways on one PostgreSQL (embedded, fsync on as a real server has it):
 * <ol>
 *   <li>dispatch: a job submitted at gateway A reaching a worker parked in job-take at gateway B (LISTEN/NOTIFY
 *   wakes B, B claims), against the same with the job submitted at B itself;</li>
 *   <li>fail-over: two gateway processes; kill -9 of the one holding the control-loop lease until the other holds
 *   it (it sweeps, and under {@code comfyfleet up} runs an autoscaler pass, at once).</li>
 * </ol>
 * Run as {@link GatewayBenchmark} is run (docs/performance.md), main class
 * {@code io.comfyfleet.gateway.bench.SeveralGatewaysBenchmark [dispatch rounds] [fail-overs] [controlLease]
 * [controlRenew]}.
 */
public final class SeveralGatewaysBenchmark {
    private static final HttpClient HTTP = HttpClient.newBuilder().build();
    private static final Pattern JOB_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int failovers = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String lease = args.length > 2 ? args[2] : "5s";
        String renew = args.length > 3 ? args[3] : "1s";
        Path dir = Files.createTempDirectory("comfyfleet-bench-gateways");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String store = "store: {type: postgres, url: \"" + postgres.getJdbcUrl("postgres", "postgres")
                    + "\", user: postgres}\n";
            String server = "  jobTakeHold: 30s\n  sweepInterval: 1s\n  controlLease: " + lease + "\n  controlRenew: "
                    + renew;
            System.out.printf("PostgreSQL 18 (embedded, fsync on), %d cores%n",
                    Runtime.getRuntime().availableProcessors());
            try (Gateway a = start(dir.resolve("a"), server, store); Gateway b = start(dir.resolve("b"), server, store)) {
                String atA = "http://127.0.0.1:" + a.port() + "/v2/ep1";
                String atB = "http://127.0.0.1:" + b.port() + "/v2/ep1";
                long[] warm = dispatch(atB, atB, 200);
                GatewayBenchmark.report("warm-up (same gateway)", warm);
                boolean crossFirst = Boolean.getBoolean("bench.crossFirst");
                if (crossFirst) {
                    GatewayBenchmark.report("dispatch, submitted at A, worker parked at B", dispatch(atA, atB, rounds));
                }
                GatewayBenchmark.report("dispatch, submitted at B, worker parked at B", dispatch(atB, atB, rounds));
                if (!crossFirst) {
                    GatewayBenchmark.report("dispatch, submitted at A, worker parked at B", dispatch(atA, atB, rounds));
                }
            }
            if (failovers > 0) {
                failovers(dir, server, store, postgres.getJdbcUrl("postgres", "postgres"), failovers);
            }
        }
    }

    private static Gateway start(Path dir, String server, String store) {
        GatewayConfig config = new ConfigLoader(n -> null).parse(TestGateway.yaml(server) + store, "bench", dir);
        return Gateway.start(config, Gateway.openStore(config.store()), Clock.systemUTC());
    }

    /** Submit at {@code submitAt}; one worker waits in job-take at {@code parkAt}; nanos from /run to the job. */
    static long[] dispatch(String submitAt, String parkAt, int rounds) throws Exception {
        record Receipt(String jobId, long at) {}
        LinkedBlockingQueue<Receipt> received = new LinkedBlockingQueue<>();
        Thread worker = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(parkAt + "/job-take/bench-w1"))
                            .header("Authorization", TestGateway.WORKER_KEY).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        received.add(new Receipt(jobId(r.body()), System.nanoTime()));
                    }
                } catch (Exception e) {
                    return;
                }
            }
        });
        long[] latencies = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            Thread.sleep(5); // the worker is back in its long-poll
            long sent = System.nanoTime();
            String id = jobId(GatewayBenchmark.post(submitAt + "/run", "{\"input\":{\"dispatch\":" + i + "}}"));
            latencies[i] = Long.MAX_VALUE;
            for (Receipt got; (got = received.poll(10, TimeUnit.SECONDS)) != null; ) {
                if (got.jobId().equals(id)) {
                    latencies[i] = got.at() - sent;
                    break;
                }
            }
        }
        worker.interrupt();
        return latencies;
    }

    /** Two gateway processes; each round kills the leader and times until the other holds the lease. */
    private static void failovers(Path dir, String server, String store, String jdbcUrl, int runs) throws Exception {
        List<Process> gateways = new ArrayList<>();
        long[] took = new long[runs];
        try {
            for (String name : List.of("p1", "p2")) {
                gateways.add(startProcess(dir.resolve(name), server, store));
            }
            for (int run = 0; run < runs; run++) {
                Process leader = awaitLeader(jdbcUrl, gateways, null, 30_000);
                Thread.sleep(1500); // a few renewals: the expiry is as far ahead as it usually is
                long killed = System.nanoTime();
                leader.destroyForcibly();
                Process next = awaitLeader(jdbcUrl, gateways, leader, 60_000);
                took[run] = System.nanoTime() - killed;
                System.out.printf("fail-over %d: pid %d killed, pid %d leads after %.2f s%n", run + 1, leader.pid(),
                        next.pid(), took[run] / 1e9);
                int at = gateways.indexOf(leader);
                leader.waitFor();
                gateways.set(at, startProcess(dir.resolve("p" + (run + 3)), server, store));
            }
        } finally {
            gateways.forEach(Process::destroyForcibly);
        }
        GatewayBenchmark.report("fail-over (kill -9 of the leader -> another holds the lease)", took);
    }

    private static Process awaitLeader(String jdbcUrl, List<Process> gateways, Process not, long timeoutMs)
            throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            while (System.currentTimeMillis() < deadline) {
                try (ResultSet rs = s.executeQuery("SELECT holder, expires_at FROM leases WHERE name = 'control-loop'")) {
                    if (rs.next() && rs.getLong(2) > System.currentTimeMillis()) {
                        String holder = rs.getString(1);
                        for (Process p : gateways) {
                            if (p != not && p.isAlive() && holder.contains("-" + p.pid() + "-")) {
                                return p;
                            }
                        }
                    }
                }
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException("no gateway took the control-loop lease within " + timeoutMs + " ms");
    }

    private static Process startProcess(Path dir, String server, String store) throws Exception {
        Files.createDirectories(dir);
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, TestGateway.yaml(server) + store);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "io.comfyfleet.gateway.support.GatewayProcessMain",
                config.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("LISTENING")) {
                Thread.ofPlatform().daemon().start(() -> drain(out));
                return p;
            }
        }
        throw new IllegalStateException("gateway process exited with " + p.waitFor());
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // keep the pipe from filling
            }
        } catch (Exception ignored) {
            // process gone
        }
    }

    private static String jobId(String body) {
        Matcher m = JOB_ID.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no job id in " + body);
        }
        return m.group(1);
    }
}
