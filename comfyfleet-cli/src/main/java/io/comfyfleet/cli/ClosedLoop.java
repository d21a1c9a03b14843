package io.comfyfleet.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Runs {@code jobs} calls of one job function on {@code clients} threads: each client starts its next job as soon
 * as its last one ended (closed loop) or, with a rate, when the job is due (open loop). The fleet run and the
 * direct-ComfyUI baseline share it, so both are driven the same way.
 */
final class ClosedLoop {
    /** What one phase produced: every job's sample and the wall time it took. */
    record Outcome(List<BenchReport.Sample> samples, long wallMs) {}

    private ClosedLoop() {}

    static Outcome run(int clients, int jobs, Double rate, Supplier<BenchReport.Sample> job) throws Exception {
        List<BenchReport.Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < jobs) {
                        if (rate != null) {
                            // open loop: job i arrives at i / rate seconds, however the earlier ones are doing
                            LockSupport.parkNanos(start + (long) (i / rate * 1e9) - System.nanoTime());
                        }
                        samples.add(job.get());
                    }
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new Outcome(List.copyOf(samples), (System.nanoTime() - start) / 1_000_000);
    }
}
