package io.comfyfleet.fleet.scale;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What an endpoint's recent past says about its demand, as the autoscaler measured it: when jobs arrived, how long
 * they ran, how long workers took to start. Only the cold-start-aware scaler reads it; the RunPod scalers ignore it.
 *
 * @param arrivals    when recent jobs were accepted, oldest first (bounded by whoever measures them); jobs are
 *                    learned when a worker takes them, so jobs still queued are not in it (the queue counts them)
 * @param execution   the typical execution time of a job, or null before any job finished
 * @param coldStart   the typical cold start of a worker, or null before any worker became ready
 */
public record Demand(List<Instant> arrivals, Duration execution, Duration coldStart) {
    public Demand {
        arrivals = List.copyOf(arrivals);
        for (int i = 1; i < arrivals.size(); i++) {
            if (arrivals.get(i).isBefore(arrivals.get(i - 1))) {
                throw new IllegalArgumentException("arrivals must be oldest first, got " + arrivals.get(i - 1)
                        + " before " + arrivals.get(i));
            }
        }
        if (execution != null && execution.isNegative()) {
            throw new IllegalArgumentException("execution cannot be negative, got " + execution);
        }
        if (coldStart != null && coldStart.isNegative()) {
            throw new IllegalArgumentException("coldStart cannot be negative, got " + coldStart);
        }
    }

    /** Nothing measured yet. */
    public static Demand none() {
        return new Demand(List.of(), null, null);
    }

    /** The measured execution time, or {@code fallback} before any was measured. */
    public Duration executionOr(Duration fallback) {
        return execution != null ? execution : Objects.requireNonNull(fallback);
    }

    /** The measured cold start, or {@code fallback} before any was measured. */
    public Duration coldStartOr(Duration fallback) {
        return coldStart != null ? coldStart : Objects.requireNonNull(fallback);
    }
}
