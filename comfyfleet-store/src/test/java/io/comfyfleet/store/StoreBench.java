package io.comfyfleet.store;

import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures the SQLite store's latency (not a test: run by hand, it asserts nothing). Usage:
 * {@code java -cp <test classpath> io.comfyfleet.store.StoreBench [rate per second] [seconds] [virtual|platform]}.
 * The open-loop callers are virtual threads by default, as the gateway's request threads are; {@code platform}
 * runs them on a pool of 64 platform threads instead.
 * Open loop: requests are sent on a fixed schedule, and latency counts from the scheduled instant, so a
 * stalled store shows up as latency instead of silently lowering the rate.
 */
public final class StoreBench {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final JobPolicy POLICY = new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(24), false);
    private static final String INPUT = "{\"workflow\":{\"3\":{\"class_type\":\"KSampler\",\"inputs\":{\"seed\":1}}}}";

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        boolean virtual = args.length < 3 || args[2].equals("virtual");
        Path dir = Files.createTempDirectory("comfyfleet-bench");
        try (JobStore store = JobStores.openSqlite(dir.resolve("jobs.db"))) {
            AtomicInteger seq = new AtomicInteger();
            for (int i = 0; i < 200; i++) {
                store.enqueue(job(seq.incrementAndGet()));
            }
            long[] serial = new long[300];
            for (int i = 0; i < serial.length; i++) {
                long s = System.nanoTime();
                store.enqueue(job(seq.incrementAndGet()));
                serial[i] = System.nanoTime() - s;
            }
            print("enqueue, one caller", serial);

            long[] open = openLoop(store, seq, rate, seconds, virtual);
            print("enqueue, open loop " + rate + "/s for " + seconds + " s" + (virtual ? "" : " (platform)"), open);

            long[] claims = new long[500];
            for (int i = 0; i < claims.length; i++) {
                long s = System.nanoTime();
                store.claim("ep1", "w1", 1, T0.plusSeconds(1), T0.plusSeconds(60));
                claims[i] = System.nanoTime() - s;
            }
            print("claim 1 of " + seq.get() + " queued", claims);

            long[] finds = new long[2000];
            for (int i = 0; i < finds.length; i++) {
                long s = System.nanoTime();
                store.find("bench-" + (1 + i % seq.get()), T0.plusSeconds(1));
                finds[i] = System.nanoTime() - s;
            }
            print("find", finds);
        }
    }

    private static long[] openLoop(JobStore store, AtomicInteger seq, int rate, int seconds, boolean virtual)
            throws Exception {
        int total = rate * seconds;
        long[] latencies = new long[total];
        ExecutorService workers = virtual
                ? Executors.newVirtualThreadPerTaskExecutor()
                : Executors.newFixedThreadPool(64);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long periodNanos = 1_000_000_000L / rate;
        long start = System.nanoTime() + 10_000_000;
        List<Future<?>> done = Collections.synchronizedList(new ArrayList<>()); // the ticker adds to it too
        try {
            for (int i = 0; i < total; i++) {
                int n = i;
                long due = start + n * periodNanos;
                done.add(ticker.schedule(() -> done.add(workers.submit(() -> {
                    store.enqueue(job(seq.incrementAndGet()));
                    latencies[n] = System.nanoTime() - due;
                })), due - System.nanoTime(), TimeUnit.NANOSECONDS));
            }
            ticker.shutdown();
            ticker.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
            workers.shutdown();
            workers.awaitTermination(120, TimeUnit.SECONDS);
        } finally {
            workers.shutdownNow();
        }
        return latencies;
    }

    private static NewJob job(int n) {
        return new NewJob("bench-" + n, "ep1", INPUT, null, null, POLICY, 2, T0.plusMillis(n));
    }

    private static void print(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf("%-40s n=%-6d p50=%6.2f ms  p90=%6.2f ms  p99=%6.2f ms  max=%7.2f ms%n", what, s.length,
                at(s, 0.50), at(s, 0.90), at(s, 0.99), s[s.length - 1] / 1e6);
    }

    private static double at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }
}
