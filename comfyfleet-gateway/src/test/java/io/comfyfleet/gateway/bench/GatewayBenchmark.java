package io.comfyfleet.gateway.bench;

import io.comfyfleet.core.job.JobIds;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import io.comfyfleet.gateway.support.TestGateway;
import io.comfyfleet.store.JobStores;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the gateway over real HTTP on a SQLite file: {@code /run} and {@code /status} latency at a fixed
 * request rate (open loop: each request's latency counts from when it was due, so a stall is not hidden),
 * and dispatch latency (a job reaching a worker already waiting in job-take).
 *
 * <p>Run: {@code ./mvnw -o -q -pl comfyfleet-gateway -am test-compile} then
 * {@code java -cp "$(cat comfyfleet-gateway/target/bench.classpath)" io.comfyfleet.gateway.bench.GatewayBenchmark [rate] [seconds]}
 * (see docs/performance.md for the exact command).
 */
public final class GatewayBenchmark {
    private static final HttpClient HTTP = HttpClient.newBuilder().build();

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("comfyfleet-bench");
        GatewayConfig config = new ConfigLoader(n -> null).parse(
                TestGateway.yaml("  jobTakeHold: 30s\n  sweepInterval: 1s"), "bench", dir);
        try (Gateway gateway = Gateway.start(config)) {
            String base = "http://127.0.0.1:" + gateway.port() + "/v2/ep1";
            System.out.printf("gateway on SQLite %s, %d cores, rate %d req/s for %d s%n",
                    config.store().sqlitePath(), Runtime.getRuntime().availableProcessors(), rate, seconds);

            // warm-up: JIT, connection pool, SQLite page cache
            fixedRate(base, Math.min(rate, 200), 3, i -> post(base + "/run", "{\"input\":{\"warm\":" + i + "}}"));
            purge(base);
            if (Boolean.getBoolean("bench.dispatchOnly")) {
                // -Dbench.dispatchOnly=true: the dispatch figure alone, for profiling the submit-to-worker path
                // the first 200 rounds warm the path up (one worker throughout: a second would compete)
                long[] all = dispatch(base, 200 + Math.max(rate, 500));
                report("dispatch (submit -> waiting worker has the job)", Arrays.copyOfRange(all, 200, all.length));
                return;
            }
            storeThroughput(dir.resolve("store-only.db"), 16, 5);
            throughput(base, 16, 5);
            purge(base);

            List<String> ids = new ArrayList<>();
            ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
            long[] run = fixedRate(base, rate, seconds, i -> {
                String body = post(base + "/run", "{\"input\":{\"prompt\":\"a cat\",\"seed\":" + i + "}}");
                accepted.add(body.substring(7, body.indexOf('"', 7)));
            });
            ids.addAll(accepted);
            report("/run", run);

            long[] status = fixedRate(base, rate, seconds, i -> get(base + "/status/" + ids.get(i % ids.size())));
            report("/status", status);
            purge(base);

            report("dispatch (submit -> waiting worker has the job)", dispatch(base, 500));
        }
    }

    /** Closed loop: {@code clients} submit /run back to back for {@code seconds}; prints jobs accepted per second. */
    static void throughput(String base, int clients, int seconds) throws Exception {
        closedLoop("/run", clients, seconds, () -> post(base + "/run", "{\"input\":{\"t\":1}}"));
        closedLoop("/health (one store read, no write)", clients, seconds, () -> get(base + "/health"));
    }

    interface Request {
        void send() throws Exception;
    }

    static void closedLoop(String what, int clients, int seconds, Request request) throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                threads.execute(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            request.send();
                            accepted.incrementAndGet();
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
            }
        }
        System.out.printf("%-50s %d clients back to back: %.0f requests/s%n", what, clients,
                accepted.get() / (double) seconds);
    }

    /** The same closed loop on the store alone, no HTTP: what the gateway's /run can at most reach. */
    static void storeThroughput(Path file, int clients, int seconds) throws Exception {
        AtomicInteger stored = new AtomicInteger();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        JobPolicy policy = new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false);
        JobIds ids = new JobIds();
        try (JobStore store = JobStores.openSqlite(file);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                threads.execute(() -> {
                    while (System.nanoTime() < end) {
                        store.enqueue(new NewJob(ids.next(), "ep1", "{\"t\":1}", null, null, policy, 1, Instant.now()));
                        stored.incrementAndGet();
                    }
                });
            }
            threads.shutdown();
            threads.awaitTermination(1, TimeUnit.MINUTES);
        }
        System.out.printf("%-50s %d threads back to back: %.0f jobs/s%n", "JobStore.enqueue alone (SQLite)", clients,
                stored.get() / (double) seconds);
    }

    interface Call {
        void run(int i) throws Exception;
    }

    /** Issues calls at {@code rate}/s for {@code seconds}; latency per call from its due time to its answer. */
    static long[] fixedRate(String base, int rate, int seconds, Call call) throws Exception {
        int total = rate * seconds;
        long[] latencies = new long[total];
        AtomicInteger failures = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch done = new CountDownLatch(total);
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 10_000_000;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int n = i;
                threads.execute(() -> {
                    try {
                        call.run(n);
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, e.toString());
                    } finally {
                        latencies[n] = System.nanoTime() - due;
                        done.countDown();
                    }
                });
            }
            done.await(5, TimeUnit.MINUTES);
        }
        if (failures.get() > 0) {
            System.out.printf("  %d of %d calls failed; first: %s%n", failures.get(), total, firstFailure.get());
        }
        return latencies;
    }

    /**
     * One worker waits in job-take; each job is submitted only once it waits; time from submit to receipt. The
     * worker never finishes its jobs, so on a slow run an expired lease hands an earlier job out again: receipts
     * are matched to the submitted job by id, and any other receipt is skipped.
     */
    static long[] dispatch(String base, int rounds) throws Exception {
        record Receipt(String jobId, long at) {}
        LinkedBlockingQueue<Receipt> received = new LinkedBlockingQueue<>();
        Thread worker = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/job-take/bench-w1"))
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
        long[] answered = new long[rounds];
        long allocatedAtWarm = 0;
        long cpuAtWarm = 0;
        for (int i = 0; i < rounds; i++) {
            if (i == Math.min(200, rounds / 2)) {
                allocatedAtWarm = allocatedBytes();
                cpuAtWarm = processCpuNanos();
            }
            Thread.sleep(5); // the worker is back in its long-poll
            long sent = System.nanoTime();
            String id = jobId(post(base + "/run", "{\"input\":{\"dispatch\":" + i + "}}"));
            answered[i] = System.nanoTime() - sent;
            latencies[i] = Long.MAX_VALUE;
            for (Receipt got; (got = received.poll(10, TimeUnit.SECONDS)) != null; ) {
                if (got.jobId().equals(id)) {
                    latencies[i] = got.at() - sent;
                    break;
                }
            }
        }
        worker.interrupt();
        int measured = rounds - Math.min(200, rounds / 2);
        // the load generator's own requests (JDK HttpClient) are in these figures too, the same before and after
        // a gateway change; JFR's allocation-by-site tells the two apart
        System.out.printf("%-50s %.1f KB allocated, %.2f ms CPU per dispatched job (this JVM: gateway and client)%n",
                "dispatch: cost", (allocatedBytes() - allocatedAtWarm) / 1024.0 / measured,
                (processCpuNanos() - cpuAtWarm) / 1e6 / measured);
        if (Boolean.getBoolean("bench.dispatchOnly")) {
            // where the tail is: /run's own answer (the job is stored and handed over before it) against the
            // worker's receipt of the job-take answer
            report("dispatch: /run answered", Arrays.copyOfRange(answered, 200, rounds));
        }
        return latencies;
    }

    private static final Pattern JOB_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

    private static String jobId(String body) {
        Matcher m = JOB_ID.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no job id in " + body);
        }
        return m.group(1);
    }

    /** Bytes allocated by every thread of this JVM so far (virtual threads count on their carriers). */
    private static long allocatedBytes() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        return threads.getTotalThreadAllocatedBytes();
    }

    private static long processCpuNanos() {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os.getProcessCpuTime();
    }

    static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%-50s n=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms p99.9=%.2f ms max=%.2f ms%n", what,
                sorted.length, ms(sorted, 0.50), ms(sorted, 0.90), ms(sorted, 0.99), ms(sorted, 0.999),
                sorted[sorted.length - 1] / 1e6);
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    private static void purge(String base) throws Exception {
        post(base + "/purge-queue", "{}");
    }

    static String post(String url, String json) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", TestGateway.CLIENT_KEY).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static String get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", TestGateway.CLIENT_KEY).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}
