package io.comfyfleet.fleet.autoscale;

import java.time.Instant;
import java.util.Objects;

/**
 * What the gateway has heard from one worker (job-take, ping, job-done), for the autoscaler.
 *
 * @param jobsInProgress jobs the worker holds now (given to it, not finished)
 * @param lastSeen       when the worker last called the gateway (any job-take, job-done, job-stream or ping);
 *                       a worker parked in a job-take long-poll counts as seen now
 * @param idleSince      when its last job ended, or when it first asked for a job if it never had one; ignored
 *                       while {@code jobsInProgress > 0}, may then be null
 * @param unhealthy      its ping reported a failed self-check ({@code ?status=unhealthy})
 * @param stopRequested  it asked to be replaced after its job ({@code stopPod: true}, RunPod's refresh_worker)
 */
public record WorkerActivity(int jobsInProgress, Instant lastSeen, Instant idleSince, boolean unhealthy,
        boolean stopRequested) {
    public WorkerActivity {
        if (jobsInProgress < 0) {
            throw new IllegalArgumentException("jobsInProgress cannot be negative, got " + jobsInProgress);
        }
        Objects.requireNonNull(lastSeen, "lastSeen");
        if (jobsInProgress == 0 && idleSince == null) {
            throw new IllegalArgumentException("an idle worker needs idleSince");
        }
    }

    /** A healthy worker holding {@code jobs} jobs. */
    public static WorkerActivity busy(int jobs, Instant lastSeen) {
        if (jobs < 1) {
            throw new IllegalArgumentException("a busy worker holds 1 job or more, got " + jobs);
        }
        return new WorkerActivity(jobs, lastSeen, null, false, false);
    }

    /** A healthy worker with no job since {@code idleSince}. */
    public static WorkerActivity idle(Instant lastSeen, Instant idleSince) {
        return new WorkerActivity(0, lastSeen, idleSince, false, false);
    }
}
