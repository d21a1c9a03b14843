package io.comfyfleet.fleet.autoscale;

import java.time.Instant;
import java.util.Objects;

/**
 * What the gateway has heard from one worker (job-take, ping, job-done), for the autoscaler.
 *
 * @param jobsInProgress jobs the worker holds now (leased to it, not finished)
 * @param lastSeen       when the worker last called the gateway (any job-take, job-done, job-stream or ping);
 *                       a worker parked in a job-take long-poll counts as seen now
 * @param idleSince      when its last job ended, or when it first asked for a job if it never had one; ignored
 *                       while {@code jobsInProgress > 0}, may then be null
 */
public record WorkerActivity(int jobsInProgress, Instant lastSeen, Instant idleSince) {
    public WorkerActivity {
        if (jobsInProgress < 0) {
            throw new IllegalArgumentException("jobsInProgress cannot be negative, got " + jobsInProgress);
        }
        Objects.requireNonNull(lastSeen, "lastSeen");
        if (jobsInProgress == 0 && idleSince == null) {
            throw new IllegalArgumentException("an idle worker needs idleSince");
        }
    }
}
