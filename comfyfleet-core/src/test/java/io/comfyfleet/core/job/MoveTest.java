package io.comfyfleet.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The stores' moves and {@link JobState}'s table are the same set of edges: a transition the table allows but
 * no store makes is a promise nobody keeps, and a move the table does not list cannot even load.
 */
class MoveTest {

    @Test
    void theMovesCoverExactlyTheTransitionTable() {
        Set<String> table = Arrays.stream(JobState.values())
                .flatMap(from -> from.next().stream().map(to -> from + " -> " + to))
                .collect(Collectors.toSet());
        Set<String> moves = Arrays.stream(Move.values())
                .flatMap(move -> move.from().stream().map(from -> from + " -> " + move.target()))
                .collect(Collectors.toSet());

        assertThat(moves).isEqualTo(table);
    }

    @Test
    void noMoveLeavesATerminalStateExceptRetry() {
        for (Move move : Move.values()) {
            boolean fromTerminal = move.from().stream().anyMatch(JobState::isTerminal);
            assertThat(fromTerminal).as(move.name()).isEqualTo(move == Move.RETRY);
        }
    }
}
