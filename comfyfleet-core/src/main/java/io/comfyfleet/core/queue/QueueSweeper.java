package io.comfyfleet.core.queue;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue's housekeeping loop: every {@code period} it times out overdue jobs, puts silent workers' jobs
 * back in the queue (or fails them when their retries are used up), and deletes jobs past their TTL or
 * result retention; then tells the listener what changed.
 *
 * <p>Each of the three steps runs even when another failed: a failure is logged and counted, and the next
 * pass tries again. Only {@link #close()} stops the loop. Time comes from the injected clock; tests call
 * {@link #sweepOnce()} with a clock they move.
 */
public final class QueueSweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueSweeper.class);

    private final JobStore store;
    private final Clock clock;
    private final Duration period;
    private final Duration retention;
    private final Duration syncRetention;
    private final SweepListener listener;
    private final BooleanSupplier mayAct;
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private ScheduledExecutorService loop;

    /**
     * A sweeper that keeps every finished job for {@code retention}, {@code /runsync} jobs included.
     *
     * @see #QueueSweeper(JobStore, Clock, Duration, Duration, Duration, SweepListener)
     */
    public QueueSweeper(JobStore store, Clock clock, Duration period, Duration retention, SweepListener listener) {
        this(store, clock, period, retention, retention, listener);
    }

    /**
     * @param period        time between the end of one pass and the start of the next (positive)
     * @param retention     how long a finished job's result is kept (RunPod: 30 min for {@code /run})
     * @param syncRetention how long a finished {@code /runsync} job's result is kept (RunPod: 1 min); the
     *                      shorter of the two applies to them
     * @throws IllegalArgumentException for a period that is not positive or a negative retention
     */
    public QueueSweeper(JobStore store, Clock clock, Duration period, Duration retention, Duration syncRetention,
            SweepListener listener) {
        this(store, clock, period, retention, syncRetention, listener, () -> true);
    }

    /**
     * As {@link #QueueSweeper(JobStore, Clock, Duration, Duration, Duration, SweepListener)}, sweeping only when
     * {@code mayAct} says so right before the pass: with several gateways on one database, only the holder of the
     * control-loop lease sweeps, and it confirms it still holds it (its fencing token) before each pass.
     */
    public QueueSweeper(JobStore store, Clock clock, Duration period, Duration retention, Duration syncRetention,
            SweepListener listener, BooleanSupplier mayAct) {
        this.mayAct = Objects.requireNonNull(mayAct, "mayAct");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (period == null || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("the sweep period must be positive, got " + period);
        }
        if (retention == null || retention.isNegative()) {
            throw new IllegalArgumentException("the result retention must be zero or more, got " + retention);
        }
        if (syncRetention == null || syncRetention.isNegative()) {
            throw new IllegalArgumentException("the runsync result retention must be zero or more, got "
                    + syncRetention);
        }
        this.period = period;
        this.retention = retention;
        this.syncRetention = syncRetention;
    }

    /** Starts sweeping every period on a daemon thread; the first pass runs at once. */
    public synchronized void start() {
        if (loop != null) {
            throw new IllegalStateException("the queue sweeper is already started");
        }
        loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "comfyfleet-queue-sweeper");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::sweepGuarded, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A task that throws is never run again by the executor, so nothing short of the JVM dying escapes. */
    private void sweepGuarded() {
        try {
            sweepOnce();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            long n = failures.incrementAndGet();
            log.error("queue sweep pass failed ({} failures so far); trying again in {}", n,
                    HumanDuration.of(period), e);
        }
    }

    /**
     * Runs one pass now and returns what it changed (nothing when the gate says this gateway may not sweep). Never throws: a step that fails counts in
     * {@link #failures()} and contributes nothing to the report.
     */
    public SweepReport sweepOnce() {
        Instant now = clock.instant();
        if (!mayAct.getAsBoolean()) {
            return new SweepReport(now, List.of(), List.of(), List.of(), 0);
        }
        List<Job> timedOut = step("time out overdue jobs", () -> store.timeOutOverdue(now), List.of());
        List<Job> expired = step("expire the leases of silent workers", () -> store.expireLeases(now), List.of());
        int deleted = step("delete expired jobs", () -> store.deleteExpired(now, now.minus(retention), now.minus(syncRetention)), 0);
        SweepReport report = new SweepReport(now,
                expired.stream().filter(j -> j.state() == JobState.IN_QUEUE).toList(),
                expired.stream().filter(j -> j.state() == JobState.FAILED).toList(),
                timedOut, deleted);
        passes.incrementAndGet();
        if (!report.isEmpty()) {
            // the log line has its own time; the pass's instant is in the report. Deleting finished jobs after their
            // retention is routine (one line per job, half an hour after it ended, in up's terminal): not news
            boolean news = !report.requeued().isEmpty() || !report.failed().isEmpty() || !timedOut.isEmpty();
            String line = "queue sweep: {} requeued, {} failed (worker lost), {} timed out, {} deleted";
            Object[] counts = {report.requeued().size(), report.failed().size(), timedOut.size(), deleted};
            if (news) {
                log.info(line, counts);
            } else {
                log.debug(line, counts);
            }
            step("tell the listener", () -> {
                listener.onSweep(report);
                return null;
            }, null);
        }
        return report;
    }

    private <T> T step(String what, Supplier<T> action, T fallback) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            long n = failures.incrementAndGet();
            log.error("queue sweep failed to {} ({} failures so far); trying again in {}", what, n,
                    HumanDuration.of(period), e);
            return fallback;
        }
    }

    /** Passes run so far. */
    public long passes() {
        return passes.get();
    }

    /** Steps (or listener calls) that failed so far. */
    public long failures() {
        return failures.get();
    }

    /** Stops the loop, letting a pass under way finish (waits at most 10 s). */
    @Override
    public synchronized void close() {
        if (loop == null) {
            return;
        }
        loop.shutdown();
        try {
            if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
