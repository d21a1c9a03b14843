package io.comfyfleet.core.job;

import java.time.Duration;

/**
 * The per-job execution policy from the request's {@code policy} object, with endpoint defaults applied.
 *
 * @param executionTimeout longest a worker may run the job before it ends TIMED_OUT
 * @param ttl              the job's whole lifespan from submission (queue and run); afterwards it is gone (404)
 * @param lowPriority      a low-priority job does not make the autoscaler start workers
 */
public record JobPolicy(Duration executionTimeout, Duration ttl, boolean lowPriority) {
    public JobPolicy {
        if (executionTimeout == null || executionTimeout.isNegative() || executionTimeout.isZero()) {
            throw new IllegalArgumentException("executionTimeout must be positive, got " + executionTimeout);
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
    }
}
