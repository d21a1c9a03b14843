package io.comfyfleet.gateway.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Jobs each worker must stop (cancelled, timed out, or no longer its own), delivered through the worker's
 * {@code job-stop} long-poll. In memory: after a gateway restart, the worker's next ping lists its jobs and
 * those no longer running for it are ordered stopped again.
 */
public final class StopOrders {
    private final ConcurrentHashMap<String, Set<String>> pending = new ConcurrentHashMap<>();
    private final Signals<String> signals = new Signals<>();
    private volatile boolean closed;

    /** Orders {@code workerId} to stop {@code jobId} and wakes its job-stop poll. */
    public void order(String workerId, String jobId) {
        pending.compute(workerId, (w, jobs) -> {
            Set<String> set = jobs == null ? new LinkedHashSet<>() : jobs;
            set.add(jobId);
            return set;
        });
        signals.signal(workerId);
    }

    /**
     * Withdraws a pending order: the worker was just given the job (again, after a retry), and an order
     * meant for its previous run must not stop the new one.
     */
    public void withdraw(String workerId, String jobId) {
        pending.computeIfPresent(workerId, (w, jobs) -> {
            jobs.remove(jobId);
            return jobs.isEmpty() ? null : jobs;
        });
    }

    /**
     * Waits up to {@code hold} for stop orders for the worker and takes them; empty when none came.
     */
    public List<String> await(String workerId, Duration hold) throws InterruptedException {
        long deadline = System.nanoTime() + hold.toNanos();
        try (var watch = signals.watch(workerId)) {
            while (true) {
                List<String> taken = take(workerId);
                long left = deadline - System.nanoTime();
                if (!taken.isEmpty() || left <= 0 || closed) {
                    return taken;
                }
                watch.await(Duration.ofNanos(left));
            }
        }
    }

    /** Ends every waiting job-stop poll now and for good (shutdown). */
    public void wakeAll() {
        closed = true;
        signals.signalAll();
    }

    private List<String> take(String workerId) {
        Set<String> jobs = pending.remove(workerId);
        return jobs == null ? List.of() : new ArrayList<>(jobs);
    }
}
