package io.comfyfleet.gateway.dispatch;

import io.comfyfleet.core.job.Job;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The job-takes waiting for work, per endpoint, and the hand-over of a new job to one of them.
 *
 * <p>Why hand over: a job-take woken by a new job would run its own claim, a second transaction after the
 * one that stored the job, with a second trip through the store's writer. Instead, {@code /run} reserves the
 * longest-waiting job-take, stores the job and claims for that worker in one transaction
 * ({@code JobStore.enqueueAndClaim}), and gives the claimed jobs to it: one commit, and the woken thread only
 * answers. On SQLite the jobs are given once the transaction's statements ran, while its commit syncs: the
 * store's single writer applies whatever the worker writes about them afterwards after that commit. A reserved
 * job-take waits for its hand-over even past its hold, so a claimed job always reaches it.
 *
 * <p>Use: {@code try (var w = handoffs.enter(...)) { long seen = w.generation(); claim from the store; if
 * nothing, w.await(seen, timeout); }}. A wake-up between reading the generation and parking makes
 * {@code await} return at once, so it is never lost. A job-take whose client hung up ({@link Waiter#hangUp})
 * leaves the line, so no job is handed to it.
 */
public final class Handoffs {
    /** How long a reserved job-take waits for its hand-over at most: far beyond any store commit. */
    private static final long HANDOVER_WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final ConcurrentHashMap<String, Line> lines = new ConcurrentHashMap<>();

    /** A job-take of {@code workerId} starts its long-poll on the endpoint; close the waiter when it answers. */
    public Waiter enter(String endpoint, String workerId, int max, Duration lease) {
        Line line = lines.compute(endpoint, (k, existing) -> {
            Line l = existing == null ? new Line() : existing;
            l.takers++;
            return l;
        });
        return new Waiter(endpoint, line, workerId, max, lease);
    }

    /**
     * Reserves the longest-parked job-take of the endpoint for a hand-over; null when none is parked. A parked
     * job-take whose worker is not {@code eligible} (the autoscaler stopped it) is woken instead, to answer.
     * The caller must {@link Waiter#give} the reserved one its jobs (an empty list when storing failed).
     */
    public Waiter reserve(String endpoint, Predicate<String> eligible) {
        Line line = lines.get(endpoint);
        if (line == null) {
            return null;
        }
        line.lock.lock();
        try {
            for (Waiter w; (w = line.parked.pollFirst()) != null; ) {
                if (eligible.test(w.workerId)) {
                    w.state = State.RESERVED;
                    return w;
                }
                w.wake(State.WOKEN);
            }
            return null;
        } finally {
            line.lock.unlock();
        }
    }

    /**
     * A job was queued that no job-take was handed: wakes one parked job-take to claim it (waking all would
     * make each of them run a claim). One that is between its claim and parking sees it too.
     */
    public void wakeOne(String endpoint) {
        Line line = lines.get(endpoint);
        if (line != null) {
            line.lock.lock();
            try {
                line.generation++;
                Waiter w = line.parked.pollFirst();
                if (w != null) {
                    w.wake(State.WOKEN);
                }
            } finally {
                line.lock.unlock();
            }
        }
    }

    /**
     * As {@link #wakeOne(String)}, waking first the longest-parked job-take whose worker is {@code preferred} (model
     * affinity: one that holds the job's models), else the longest-parked one.
     */
    public void wakeOne(String endpoint, Predicate<String> preferred) {
        Line line = lines.get(endpoint);
        if (line != null) {
            line.lock.lock();
            try {
                line.generation++;
                Waiter w = line.parked.stream().filter(p -> preferred.test(p.workerId)).findFirst()
                        .orElse(line.parked.peekFirst());
                if (w != null) {
                    line.parked.remove(w);
                    w.wake(State.WOKEN);
                }
            } finally {
                line.lock.unlock();
            }
        }
    }

    /** Every job-take looks at the queue again (shutdown, or wake-ups from other gateways may have been lost). */
    public void wakeAll() {
        for (Line line : lines.values()) {
            line.lock.lock();
            try {
                line.generation++;
                for (Waiter w; (w = line.parked.pollFirst()) != null; ) {
                    w.wake(State.WOKEN);
                }
            } finally {
                line.lock.unlock();
            }
        }
    }

    /** How many job-takes of the endpoint are in their long-poll right now. */
    public int waiting(String endpoint) {
        Line line = lines.get(endpoint);
        return line == null ? 0 : line.takers;
    }

    private enum State { RUNNING, PARKED, RESERVED, GIVEN, WOKEN }

    /** One endpoint's parked job-takes, oldest first; a slot exists only while some job-take is in progress. */
    private static final class Line {
        final ReentrantLock lock = new ReentrantLock();
        final ArrayDeque<Waiter> parked = new ArrayDeque<>();
        long generation;
        // changed only inside the map's compute on this endpoint; read elsewhere for figures only
        volatile int takers;
    }

    /** One job-take's long-poll. */
    public final class Waiter implements AutoCloseable {
        private final String endpoint;
        private final Line line;
        private final String workerId;
        private final int max;
        private final Duration lease;
        private final Condition changed;
        private State state = State.RUNNING;
        private List<Job> given = List.of();
        /** Written holding the line's lock. */
        private volatile boolean hungUp;

        private Waiter(String endpoint, Line line, String workerId, int max, Duration lease) {
            this.endpoint = endpoint;
            this.line = line;
            this.workerId = workerId;
            this.max = max;
            this.lease = lease;
            this.changed = line.lock.newCondition();
        }

        public String workerId() {
            return workerId;
        }

        /** How many jobs the job-take asked for. */
        public int max() {
            return max;
        }

        /** How long a job claimed for it is leased. */
        public Duration lease() {
            return lease;
        }

        /** Read before looking at the store; pass to {@link #await}. */
        public long generation() {
            line.lock.lock();
            try {
                return line.generation;
            } finally {
                line.lock.unlock();
            }
        }

        /**
         * Parks until a hand-over, a wake-up after {@code seen}, or the timeout. Returns the jobs handed over;
         * empty when woken (look at the store again) or timed out.
         */
        public List<Job> await(long seen, Duration timeout) throws InterruptedException {
            long nanos = timeout.toNanos();
            line.lock.lock();
            try {
                if (line.generation != seen || hungUp) {
                    return List.of();
                }
                state = State.PARKED;
                line.parked.addLast(this);
                while (state == State.PARKED && nanos > 0) {
                    nanos = changed.awaitNanos(nanos);
                }
                if (state == State.PARKED) {
                    line.parked.remove(this);
                    state = State.RUNNING;
                    return List.of();
                }
                // reserved: the job may already be claimed for this worker, so wait for it past the timeout
                long handover = HANDOVER_WAIT_NANOS;
                while (state == State.RESERVED && handover > 0) {
                    handover = changed.awaitNanos(handover);
                }
                List<Job> jobs = state == State.GIVEN ? given : List.of();
                state = State.RUNNING;
                given = List.of();
                return jobs;
            } catch (InterruptedException e) {
                line.parked.remove(this);
                state = State.RUNNING;
                throw e;
            } finally {
                line.lock.unlock();
            }
        }

        /**
         * Ends a reservation with the jobs claimed for this job-take (empty: it looks at the store itself). Only
         * the first call counts: a job-take given its jobs early (while their commit synced) is not given
         * again by a failure that follows.
         */
        public void give(List<Job> jobs) {
            line.lock.lock();
            try {
                if (state != State.RESERVED) {
                    return;
                }
                given = List.copyOf(jobs);
                wake(State.GIVEN);
            } finally {
                line.lock.unlock();
            }
        }

        /**
         * The job-take's client closed its connection: parked, it leaves the line (no job is handed to it) and
         * {@link #await} returns empty; from now on {@code await} returns at once. One already reserved still gets
         * its jobs, which may be claimed for it in the store: its caller must put them back.
         */
        public void hangUp() {
            line.lock.lock();
            try {
                hungUp = true;
                if (state == State.PARKED) {
                    line.parked.remove(this);
                    wake(State.WOKEN);
                }
            } finally {
                line.lock.unlock();
            }
        }

        /** True once the job-take's client hung up: whatever it is given now reaches nobody. */
        public boolean isHungUp() {
            return hungUp;
        }

        /** Called holding the line's lock. */
        private void wake(State to) {
            state = to;
            changed.signal();
        }

        @Override
        public void close() {
            lines.computeIfPresent(endpoint, (k, l) -> --l.takers == 0 && l.parked.isEmpty() ? null : l);
        }
    }
}
