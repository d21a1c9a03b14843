package io.comfyfleet.store;

import static io.comfyfleet.core.job.JobState.CANCELLED;
import static io.comfyfleet.core.job.JobState.COMPLETED;
import static io.comfyfleet.core.job.JobState.FAILED;
import static io.comfyfleet.core.job.JobState.IN_PROGRESS;
import static io.comfyfleet.core.job.JobState.IN_QUEUE;
import static io.comfyfleet.core.job.JobState.TIMED_OUT;

import io.comfyfleet.core.job.JobState;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every state change the store makes, with the states it expects. Each is checked against
 * {@link JobState#canMoveTo} when the class loads, so the store can never make a change the one table of
 * allowed transitions does not list; the SQL names the expected states from here.
 */
enum Move {
    CLAIM("claim", IN_PROGRESS, IN_QUEUE),
    COMPLETE("finish", COMPLETED, IN_PROGRESS),
    FAIL("finish", FAILED, IN_PROGRESS),
    CANCEL("cancel", CANCELLED, IN_QUEUE, IN_PROGRESS),
    RETRY("retry", IN_QUEUE, FAILED, TIMED_OUT),
    REQUEUE_LOST("requeue", IN_QUEUE, IN_PROGRESS),
    GIVE_UP_LOST("give up on", FAILED, IN_PROGRESS),
    TIME_OUT("time out", TIMED_OUT, IN_PROGRESS);

    final String action;
    final JobState target;
    final Set<JobState> from;

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

    /**
     * The SQL condition on {@code state} this move expects, from enum names (never input). One state is
     * written {@code state = 'X'}, not {@code IN ('X')}: SQLite uses a partial index ({@code WHERE state =
     * 'IN_QUEUE'}) only when the query repeats its condition in that form.
     */
    String expectedState() {
        if (from.size() == 1) {
            return "state = '" + from.iterator().next().name() + "'";
        }
        return from.stream().map(s -> "'" + s.name() + "'").sorted()
                .collect(Collectors.joining(", ", "state IN (", ")"));
    }

    /** The target state as an SQL literal. */
    String targetSql() {
        return "'" + target.name() + "'";
    }
}
