package io.comfyfleet.gateway.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import io.comfyfleet.core.worker.WorkerBoard;
import java.time.Clock;
import java.util.Collection;

/**
 * Jobs each worker must stop (cancelled, timed out, or no longer its own), delivered through the worker's
 * {@code job-stop} long-poll. In memory: after a gateway restart, the worker's next ping lists its jobs and
 * those no longer running for it are ordered stopped again.
 *
 * <p>With several gateways on one database ({@link #share}), orders go to the store's worker board instead, so the
 * gateway where the worker's job-stop poll waits delivers them: it is woken here at once, elsewhere by
 * {@link BoardSync} within about a second. Each order is taken from the store exactly once. Withdrawing stays
 * local (a job-take must not wait for the store): an order is only delivered while its job is not running for
 * the worker, which makes an order meant for a previous run harmless.
 */
public final class StopOrders {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StopOrders.class);
    private final ConcurrentHashMap<String, Set<String>> pending = new ConcurrentHashMap<>();
    private final Signals<String> signals = new Signals<>();
    private volatile boolean closed;
    private volatile WorkerBoard board;
    private volatile Clock clock;
    private volatile BiFunction<String, Collection<String>, Collection<String>> notRunning;
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();

    /**
     * Keeps orders in the store's worker board from now on.
     *
     * @param notRunning of a worker's (key's) ordered jobs, those no longer running for it: only those are delivered
     */
    public void share(WorkerBoard board, Clock clock, BiFunction<String, Collection<String>, Collection<String>> notRunning) {
        this.clock = clock;
        this.notRunning = notRunning;
        this.board = board;
    }

    /** Orders {@code workerId} to stop {@code jobId} and wakes its job-stop poll. */
    public void order(String workerId, String jobId) {
        WorkerBoard shared = board;
        if (shared != null) {
            try {
                shared.orderStop(workerId, jobId, clock.instant());
                signals.signal(workerId);
                return;
            } catch (RuntimeException e) {
                // kept here instead: delivered if the worker polls this gateway, else re-derived from its next ping
                log.warn("could not store the order for worker {} to stop job {}; keeping it in this gateway",
                        workerId, jobId, e);
            }
        }
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
        waiting.add(workerId);
        try (var watch = signals.watch(workerId)) {
            while (true) {
                List<String> taken = take(workerId);
                long left = deadline - System.nanoTime();
                if (!taken.isEmpty() || left <= 0 || closed) {
                    return taken;
                }
                watch.await(Duration.ofNanos(left));
            }
        } finally {
            waiting.remove(workerId);
        }
    }

    /** The workers (keys) whose job-stop polls wait here now. */
    public Set<String> waiting() {
        return Set.copyOf(waiting);
    }

    /** Wakes these workers' job-stop polls: the store holds orders for them. */
    public void wake(Collection<String> workerIds) {
        workerIds.forEach(signals::signal);
    }

    /** Ends every waiting job-stop poll now and for good (shutdown). */
    public void wakeAll() {
        closed = true;
        signals.signalAll();
    }

    private List<String> take(String workerId) {
        Set<String> jobs = pending.remove(workerId);
        List<String> taken = jobs == null ? new ArrayList<>() : new ArrayList<>(jobs);
        WorkerBoard shared = board;
        if (shared != null) {
            try {
                Set<String> ordered = shared.takeStopOrders(workerId).keySet();
                if (!ordered.isEmpty()) {
                    taken.addAll(notRunning.apply(workerId, ordered));
                }
            } catch (RuntimeException e) {
                // the orders stay in the store (or were taken and are re-derived from the worker's next ping)
                log.warn("could not read the stop orders of worker {} from the store", workerId, e);
            }
        }
        return taken;
    }
}
