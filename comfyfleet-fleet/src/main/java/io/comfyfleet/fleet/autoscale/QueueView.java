package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.fleet.scale.QueueSnapshot;
import java.time.Instant;

/**
 * The autoscaler's read-only view of the job queue. The gateway implements it from its job store.
 *
 * <p>Called once per endpoint per autoscaler period (every few seconds), from the autoscaler's thread; it should
 * be one cheap query. An exception is logged and counted, and that endpoint is skipped for this pass.
 */
@FunctionalInterface
public interface QueueView {

    /**
     * The endpoint's queue now.
     *
     * @param endpoint the endpoint id
     * @param now      the autoscaler's time; jobs whose TTL ran out by then should not count
     * @return queued = IN_QUEUE jobs whose policy is not {@code lowPriority}; running = IN_PROGRESS jobs of any
     *         priority; oldestQueuedAt = the smallest {@code createdAt} among the queued ones (null when none)
     */
    QueueSnapshot snapshot(String endpoint, Instant now);
}
