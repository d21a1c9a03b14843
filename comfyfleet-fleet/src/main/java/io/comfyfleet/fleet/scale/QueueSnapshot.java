package io.comfyfleet.fleet.scale;

import java.time.Instant;

/**
 * One endpoint's queue as the scaling policy sees it, read at one moment.
 *
 * @param queued         IN_QUEUE jobs that are <em>not</em> {@code lowPriority}: only these ask for workers
 * @param running        IN_PROGRESS jobs, of any priority (they occupy workers)
 * @param oldestQueuedAt when the oldest of the {@code queued} jobs was accepted; null exactly when
 *                       {@code queued} is 0
 * @param demand         what the autoscaler measured of the endpoint's past (arrivals, execution and cold-start
 *                       times); {@link Demand#none()} when nothing was measured. The queue view does not know it:
 *                       the autoscaler adds it ({@link #withDemand})
 */
public record QueueSnapshot(long queued, long running, Instant oldestQueuedAt, Demand demand) {
    public QueueSnapshot {
        java.util.Objects.requireNonNull(demand, "demand");
        if (queued < 0 || running < 0) {
            throw new IllegalArgumentException(
                    "queue counts cannot be negative, got queued=" + queued + " running=" + running);
        }
        if ((queued == 0) != (oldestQueuedAt == null)) {
            throw new IllegalArgumentException("oldestQueuedAt must be given exactly when jobs are queued, got queued="
                    + queued + " oldestQueuedAt=" + oldestQueuedAt);
        }
    }

    /** The queue as a queue view reads it, with nothing measured of the past. */
    public QueueSnapshot(long queued, long running, Instant oldestQueuedAt) {
        this(queued, running, oldestQueuedAt, Demand.none());
    }

    /** Nothing queued, nothing running. */
    public static QueueSnapshot empty() {
        return new QueueSnapshot(0, 0, null);
    }

    /** The same queue, with what was measured of the endpoint's past. */
    public QueueSnapshot withDemand(Demand measured) {
        return new QueueSnapshot(queued, running, oldestQueuedAt, measured);
    }
}
