package io.comfyfleet.core.job;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When a job arrived, was taken and ended: what the autoscaler learns its demand from, without the job's input and
 * output.
 *
 * @param jobId      the job
 * @param endpoint   its endpoint
 * @param state      its state when read
 * @param createdAt  when it was accepted
 * @param startedAt  when a worker took it last, or null while it waits
 * @param finishedAt when it ended, or null while it is live
 */
public record JobTimes(String jobId, String endpoint, JobState state, Instant createdAt, Instant startedAt,
        Instant finishedAt) {

    public JobTimes {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /**
     * How long it ran, for a job that ran to its end: null for one that never ran, one still running, and one
     * cancelled (its run was cut short by its client, so it says nothing of how long the endpoint's jobs take).
     */
    public Duration ranFor() {
        if (startedAt == null || finishedAt == null || !state.isTerminal() || state == JobState.CANCELLED
                || finishedAt.isBefore(startedAt)) {
            return null;
        }
        return Duration.between(startedAt, finishedAt);
    }
}
