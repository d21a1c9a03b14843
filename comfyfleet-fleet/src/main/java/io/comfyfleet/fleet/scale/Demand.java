package io.comfyfleet.fleet.scale;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What an endpoint's recent past says about its demand, as the autoscaler measured it: when jobs arrived, how long
 * they ran, how long workers took to start. Only the cold-start-aware scaler reads it; the RunPod scalers ignore it.
 * Immutable; the gaps between arrivals are sorted once here, since a pass every second reads them.
 */
public final class Demand {
    private static final Demand NONE = new Demand(List.of(), null, null);

    private final List<Instant> arrivals;
    private final Duration execution;
    private final Duration coldStart;
    private final long[] sortedGapsMillis;

    /**
     * @param arrivals  when recent jobs were accepted, oldest first (bounded by whoever measures them); jobs are
     *                  learned when a worker takes them, so jobs still queued are not in it (the queue counts them)
     * @param execution the typical execution time of a job, or null before any job finished
     * @param coldStart the typical cold start of a worker, or null before any worker became ready
     * @throws IllegalArgumentException for arrivals out of order or a negative duration
     */
    public Demand(List<Instant> arrivals, Duration execution, Duration coldStart) {
        this.arrivals = List.copyOf(arrivals);
        long[] gaps = new long[Math.max(0, this.arrivals.size() - 1)];
        for (int i = 1; i < this.arrivals.size(); i++) {
            if (this.arrivals.get(i).isBefore(this.arrivals.get(i - 1))) {
                throw new IllegalArgumentException("arrivals must be oldest first, got " + this.arrivals.get(i - 1)
                        + " before " + this.arrivals.get(i));
            }
            gaps[i - 1] = Duration.between(this.arrivals.get(i - 1), this.arrivals.get(i)).toMillis();
        }
        Arrays.sort(gaps);
        this.sortedGapsMillis = gaps;
        if (execution != null && execution.isNegative()) {
            throw new IllegalArgumentException("execution cannot be negative, got " + execution);
        }
        if (coldStart != null && coldStart.isNegative()) {
            throw new IllegalArgumentException("coldStart cannot be negative, got " + coldStart);
        }
        this.execution = execution;
        this.coldStart = coldStart;
    }

    /** Nothing measured yet. */
    public static Demand none() {
        return NONE;
    }

    /** When recent jobs arrived, oldest first. */
    public List<Instant> arrivals() {
        return arrivals;
    }

    /** The typical execution time, or null before any was measured. */
    public Duration execution() {
        return execution;
    }

    /** The typical cold start, or null before any was measured. */
    public Duration coldStart() {
        return coldStart;
    }

    /** The measured execution time, or {@code fallback} before any was measured. */
    public Duration executionOr(Duration fallback) {
        return execution != null ? execution : Objects.requireNonNull(fallback);
    }

    /** The measured cold start, or {@code fallback} before any was measured. */
    public Duration coldStartOr(Duration fallback) {
        return coldStart != null ? coldStart : Objects.requireNonNull(fallback);
    }

    /** The gaps between consecutive arrivals in milliseconds, shortest first; do not change the array. */
    long[] sortedGapsMillis() {
        return sortedGapsMillis;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Demand d && arrivals.equals(d.arrivals) && Objects.equals(execution, d.execution)
                && Objects.equals(coldStart, d.coldStart);
    }

    @Override
    public int hashCode() {
        return Objects.hash(arrivals, execution, coldStart);
    }

    @Override
    public String toString() {
        return "Demand[" + arrivals.size() + " arrivals, execution " + execution + ", coldStart " + coldStart + "]";
    }
}
