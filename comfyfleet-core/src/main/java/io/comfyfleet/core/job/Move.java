package io.comfyfleet.core.job;

import static io.comfyfleet.core.job.JobState.CANCELLED;
import static io.comfyfleet.core.job.JobState.COMPLETED;
import static io.comfyfleet.core.job.JobState.FAILED;
import static io.comfyfleet.core.job.JobState.IN_PROGRESS;
import static io.comfyfleet.core.job.JobState.IN_QUEUE;
import static io.comfyfleet.core.job.JobState.TIMED_OUT;

import java.util.EnumSet;
import java.util.Set;

/**
 * Every state change a job store makes, with the states it expects. Each is checked against
 * {@link JobState#canMoveTo} when the class loads, so a store can never make a change the one table of
 * allowed transitions does not list; the stores build their SQL conditions from here. Together the moves
 * cover that table exactly (a core test holds both to it).
 */
public enum Move {
    CLAIM("claim", IN_PROGRESS, IN_QUEUE),
    COMPLETE("finish", COMPLETED, IN_PROGRESS),
    FAIL("finish", FAILED, IN_PROGRESS),
    CANCEL("cancel", CANCELLED, IN_QUEUE, IN_PROGRESS),
    RETRY("retry", IN_QUEUE, FAILED, TIMED_OUT),
    REQUEUE_LOST("requeue", IN_QUEUE, IN_PROGRESS),
    /** A job whose worker was stopped on purpose before it finished: queued again, not counted as a retry. */
    HAND_BACK("hand back", IN_QUEUE, IN_PROGRESS),
    /** A job claimed for a worker that never received it (its job-take's connection was gone): as if never claimed. */
    UNCLAIM("unclaim", IN_QUEUE, IN_PROGRESS),
    GIVE_UP_LOST("give up on", FAILED, IN_PROGRESS),
    TIME_OUT("time out", TIMED_OUT, IN_PROGRESS);

    private final String action;
    private final JobState target;
    private final Set<JobState> from;

    Move(String action, JobState target, JobState first, JobState... rest) {
        this.action = action;
        this.target = target;
        this.from = Set.copyOf(EnumSet.of(first, rest));
        for (JobState state : from) {
            if (!state.canMoveTo(target)) {
                throw new IllegalStateException(
                        "store move " + name() + " " + state + " -> " + target + " is not in JobState's table");
            }
        }
    }

    /** What the move does, for messages: "cannot {action} job j1: it is COMPLETED". */
    public String action() {
        return action;
    }

    /** The state the job is in after the move. */
    public JobState target() {
        return target;
    }

    /** The states the move expects the job in. */
    public Set<JobState> from() {
        return from;
    }
}
