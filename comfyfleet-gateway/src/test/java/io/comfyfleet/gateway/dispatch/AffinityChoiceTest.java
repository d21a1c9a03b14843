package io.comfyfleet.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.dispatch.AffinityChoice.Choice;
import io.comfyfleet.gateway.dispatch.AffinityChoice.Queued;
import io.comfyfleet.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The affinity decision alone, with a clock the test moves: preference, the bound, and no starvation. */
class AffinityChoiceTest {
    private static final Duration WAIT = Duration.ofMillis(300);
    private static final Duration PASS_OVER = Duration.ofSeconds(10);
    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<Queued> queue = new ArrayList<>();

    private void queue(String id, String... models) {
        queue.add(new Queued(id, clock.instant(), Set.of(models)));
        clock.advance(Duration.ofMillis(1));
    }

    private Choice choose(String worker, int max, Map<String, Set<String>> held) {
        return AffinityChoice.choose(worker, max, queue, held, clock.instant(), WAIT, PASS_OVER);
    }

    @Test
    void aWorkerTakesTheJobsWhoseModelsItHoldsBeforeOlderOnes() {
        queue("j1", "a.safetensors");
        queue("j2", "b.safetensors");
        queue("j3", "b.safetensors", "lora.safetensors");
        Map<String, Set<String>> held = Map.of("wa", Set.of("a.safetensors"),
                "wb", Set.of("b.safetensors", "lora.safetensors"));
        assertThat(choose("wb", 2, held).jobIds()).containsExactly("j2", "j3");
        assertThat(choose("wa", 1, held).jobIds()).containsExactly("j1");
    }

    @Test
    void aJobIsKeptForItsBusyAffineWorkerAtMostTheBoundWhileAnotherIsIdle() {
        queue("j1", "b.safetensors");
        Instant queuedAt = queue.getFirst().queuedAt();
        Map<String, Set<String>> held = Map.of("wa", Set.of("a.safetensors"), "wb", Set.of("b.safetensors"));

        Choice early = choose("wa", 1, held);
        assertThat(early.jobIds()).as("kept for wb").isEmpty();
        assertThat(early.recheckAt()).isEqualTo(queuedAt.plus(WAIT));

        clock.advance(WAIT.minus(Duration.ofMillis(2)));
        assertThat(choose("wa", 1, held).jobIds()).as("still within the bound").isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(choose("wa", 1, held).jobIds()).as("the bound is over: the idle worker takes it")
                .containsExactly("j1");
    }

    @Test
    void aJobNoOtherWorkerHoldsTheModelsOfIsTakenAtOnce() {
        queue("j1", "c.safetensors");
        queue("j2");
        Map<String, Set<String>> held = Map.of("wa", Set.of("a.safetensors"));
        assertThat(choose("wa", 2, held).jobIds()).containsExactly("j1", "j2");
        assertThat(choose("wa", 2, held).recheckAt()).isNull();
    }

    @Test
    void aWorkerThatReportsNoModelsTakesFreeJobsAtOnceAndKeptOnesAfterTheBound() {
        queue("j1", "b.safetensors");
        queue("j2", "c.safetensors");
        Map<String, Set<String>> held = Map.of("wb", Set.of("b.safetensors")); // "runpod" reports nothing
        assertThat(choose("runpod", 2, held).jobIds()).containsExactly("j2");
        clock.advance(WAIT);
        assertThat(choose("runpod", 2, held).jobIds()).containsExactly("j1", "j2");
    }

    @Test
    void aJobPassedOverByJobsTheLimitYoungerGoesBeforeAffineOnesSoNothingStarves() {
        Map<String, Set<String>> held = Map.of("wa", Set.of("a.safetensors"), "wb", Set.of("b.safetensors"));
        queue("old-b", "b.safetensors");
        // wa is never idle without an affine job, so the bound (which only lets an idle worker take it) never
        // applies; the pass-over limit does, once wa would otherwise take a job queued the limit after old-b
        queue("a0", "a.safetensors");
        clock.advance(PASS_OVER.minusMillis(2));
        queue("a1", "a.safetensors");
        assertThat(choose("wa", 1, held).jobIds()).containsExactly("a0");
        queue.removeIf(q -> q.id().equals("a0"));
        assertThat(choose("wa", 1, held).jobIds()).as("a1 was queued the limit after old-b").containsExactly("old-b");
    }

    @Test
    void inABacklogOfOldJobsAWorkerStillTakesItsOwnModelsFirst() {
        Map<String, Set<String>> held = Map.of("wa", Set.of("a.safetensors"), "wb", Set.of("b.safetensors"));
        for (int i = 0; i < 10; i++) {
            queue("b" + i, "b.safetensors");
            queue("a" + i, "a.safetensors");
        }
        clock.advance(Duration.ofMinutes(1));
        assertThat(choose("wa", 2, held).jobIds()).as("every job is a minute old, none was passed over by much")
                .containsExactly("a0", "a1");
    }

    @Test
    void theEarliestEndOfAKeptJobIsWhenToLookAgain() {
        queue("j1", "b.safetensors");
        clock.advance(Duration.ofMillis(100));
        queue("j2", "b.safetensors");
        Choice c = choose("wa", 1, Map.of("wb", Set.of("b.safetensors")));
        assertThat(c.jobIds()).isEmpty();
        assertThat(c.recheckAt()).isEqualTo(queue.getFirst().queuedAt().plus(WAIT));
    }
}
