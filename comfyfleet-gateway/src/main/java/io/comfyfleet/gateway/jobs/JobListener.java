package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;

/**
 * Told of job changes after they are stored, on the thread that made them (a request or the sweeper): keep it
 * short. A listener that throws is logged and skipped; the change and the answer to the caller stand.
 * Metrics and the dashboard listen here so the job code never knows about either.
 */
public interface JobListener {
    /**
     * A job of the endpoint became IN_QUEUE (new, retried, back from a lost worker, or queued at another gateway on
     * the same database); not called for a new job handed straight to a waiting job-take. The autoscaler listens
     * here so an endpoint with no worker starts one at once rather than at its next pass.
     */
    default void queued(String endpoint) {}

    /** A worker was given the job (now IN_PROGRESS, {@code startedAt} set). */
    default void taken(Job job) {}

    /** The job's state changed (ended, cancelled, requeued, retried); {@code job} is as stored after the change. */
    default void changed(Job job) {}

    /**
     * The job went back to the queue because the worker running it was stopped on purpose and is gone (a
     * scale-down, a shutdown): it did not fail, so no retry was counted. Listeners that do not tell it apart from
     * any other change hear of it through {@link #changed}. {@code job} is as stored, queued and naming no worker;
     * {@code workerId} is the worker that was stopped.
     */
    default void handedBack(Job job, String workerId) {
        changed(job);
    }

    /** A worker's progress update for a running job was stored; {@code outputJson} is its {@code output}, maybe null. */
    default void progressed(String jobId, String outputJson) {}
}
