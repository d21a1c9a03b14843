package io.comfyfleet.core.job;

import java.time.Duration;
import java.time.Instant;

/**
 * A stored job: what {@code /status} shows, plus what the store needs to run leases, timeouts and TTL.
 *
 * <p>JSON-valued fields ({@code inputJson}, {@code outputJson}, {@code s3ConfigJson}) are kept as JSON text:
 * the gateway passes them through and never needs their structure.
 *
 * @param outputJson   the final output, or the latest progress update while IN_PROGRESS; null when none
 * @param error        the error text of a FAILED or TIMED_OUT job, null otherwise
 * @param workerId     the worker that holds or last held the job, null while never taken
 * @param retries      how many times the job went back to the queue after its worker was lost, or was retried
 * @param startedAt    when a worker took it this time (null while IN_QUEUE)
 * @param finishedAt   when it reached its terminal state
 * @param leaseUntil   a taken job goes back to the queue when its worker has not been heard of by then
 * @param expiresAt    createdAt + ttl: after this the job is deleted whatever its state
 */
public record Job(
        String id,
        String endpoint,
        JobState state,
        String inputJson,
        String webhook,
        String s3ConfigJson,
        JobPolicy policy,
        int maxRetries,
        String outputJson,
        String error,
        String workerId,
        int retries,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Instant leaseUntil,
        Instant expiresAt) {

    /** RunPod's delayTime: from acceptance until a worker started it (or until now, while queued). */
    public long delayTimeMillis(Instant now) {
        Instant end = startedAt != null ? startedAt : (finishedAt != null ? finishedAt : now);
        return Math.max(0, Duration.between(createdAt, end).toMillis());
    }

    /** RunPod's executionTime: from start until the end (or until now, while running); 0 if never started. */
    public long executionTimeMillis(Instant now) {
        if (startedAt == null) {
            return 0;
        }
        Instant end = finishedAt != null ? finishedAt : now;
        return Math.max(0, Duration.between(startedAt, end).toMillis());
    }
}
