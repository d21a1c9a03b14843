package io.comfyfleet.store;

import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.Move;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * SQL conditions on a job's {@code state}, built from {@link Move} and {@link JobState} (enum names, never
 * input), so the store's SQL names no state by hand and cannot drift from the one table of transitions.
 */
final class StateSql {
    private StateSql() {}

    /**
     * The condition the moves expect, which must be the same for all of them (FINISH serves COMPLETE and FAIL).
     * One state is written {@code state = 'X'}, not {@code IN ('X')}: SQLite uses a partial index ({@code WHERE
     * state = 'IN_QUEUE'}) only when the query repeats its condition in that form.
     */
    static String expected(Move first, Move... rest) {
        for (Move other : rest) {
            if (!other.from().equals(first.from())) {
                throw new IllegalArgumentException(first + " and " + other + " expect different states");
            }
        }
        return in(first.from());
    }

    /** The target state of the move, as an SQL literal. */
    static String target(Move move) {
        return literal(move.target());
    }

    static String literal(JobState state) {
        return "'" + state.name() + "'";
    }

    /** {@code state = 'X'} for one state; {@code state IN (...)} in the enum's order for several. */
    static String in(Set<JobState> states) {
        if (states.size() == 1) {
            return "state = " + literal(states.iterator().next());
        }
        return EnumSet.copyOf(states).stream().map(StateSql::literal)
                .collect(Collectors.joining(", ", "state IN (", ")"));
    }

    /** The states a job stays in for good unless retried: result retention counts from them. */
    static String terminal() {
        return in(Arrays.stream(JobState.values()).filter(JobState::isTerminal)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(JobState.class))));
    }

    /** The states of a job not yet ended (queued or running): what {@code /health} counts. */
    static String live() {
        return in(Arrays.stream(JobState.values()).filter(s -> !s.isTerminal())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(JobState.class))));
    }
}
