package io.comfyfleet.core.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a job, named and spelled as RunPod Serverless names them on the wire.
 *
 * <p>Every state change goes through {@link #canMoveTo(JobState)}: the one table of allowed transitions. The
 * stores make exactly these changes, each one a {@link Move}.
 */
public enum JobState {
    IN_QUEUE,
    IN_PROGRESS,
    COMPLETED,
    FAILED,
    CANCELLED,
    TIMED_OUT;

    /** True for the states a job never leaves except through {@code retry} (FAILED, TIMED_OUT). */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
    }

    /** The states this one may move to. */
    public Set<JobState> next() {
        return switch (this) {
            // a queued job whose TTL runs out is deleted, not moved: it is gone (404), as on RunPod
            case IN_QUEUE -> EnumSet.of(IN_PROGRESS, CANCELLED);
            // IN_PROGRESS -> IN_QUEUE: the worker's lease ran out and the job goes back for another try
            case IN_PROGRESS -> EnumSet.of(IN_QUEUE, COMPLETED, FAILED, CANCELLED, TIMED_OUT);
            // retry: only failed and timed-out jobs may run again, under the same id
            case FAILED, TIMED_OUT -> EnumSet.of(IN_QUEUE);
            case COMPLETED, CANCELLED -> EnumSet.noneOf(JobState.class);
        };
    }

    public boolean canMoveTo(JobState target) {
        return next().contains(target);
    }
}
