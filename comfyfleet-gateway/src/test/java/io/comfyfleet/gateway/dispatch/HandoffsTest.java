package io.comfyfleet.gateway.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Job-takes parked per endpoint: wake-ups are never lost, a reserved job-take always gets its jobs, and one whose
 * client hung up is handed none.
 */
class HandoffsTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private final Handoffs handoffs = new Handoffs();

    private static Job running(String id) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new Job(id, "ep", JobState.IN_PROGRESS, "{}", null, null,
                new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false), 1, null, null, "w1", 0,
                t, t, null, t.plusSeconds(30), t.plusSeconds(3600));
    }

    @Test
    void aWakeUpBetweenLookingAtTheStoreAndParkingIsNotLost() throws Exception {
        try (var w = handoffs.enter("ep", "w1", 1, LEASE)) {
            long seen = w.generation();
            handoffs.wakeOne("ep"); // a job queued while this job-take was still claiming
            long start = System.nanoTime();
            assertThat(w.await(seen, Duration.ofSeconds(20))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aReservedJobTakeGetsItsJobsEvenAfterItsHoldRanOut() throws Exception {
        try (var w = handoffs.enter("ep", "w1", 1, LEASE)) {
            long seen = w.generation();
            var parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return w.await(seen, Duration.ofMillis(300));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> handoffs.reserve("ep", x -> true) != null
                    || parked.isDone());
            Thread.sleep(600); // past the hold: the job may already be claimed for it, so it must wait
            assertThat(parked).isNotDone();
            w.give(List.<Job>of(running("j1")));
            assertThat(parked.get(10, TimeUnit.SECONDS)).extracting(Job::id).containsExactly("j1");
        }
    }

    @Test
    void aParkedJobTakeWhoseClientHungUpLeavesTheLineAndAnswers() throws Exception {
        try (var w = handoffs.enter("ep", "ghost", 1, LEASE)) {
            long seen = w.generation();
            var parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return w.await(seen, Duration.ofHours(1));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            w.hangUp();

            assertThat(parked.get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(w.isHungUp()).isTrue();
            assertThat(handoffs.reserve("ep", x -> true)).as("nobody left to hand a job to").isNull();
            assertThat(w.await(w.generation(), Duration.ofHours(1))).as("never parks again").isEmpty();
        }
        assertThat(handoffs.waiting("ep")).isZero();
    }

    @Test
    void aReservedJobTakeWhoseClientHungUpStillGetsItsJobsToPutBack() throws Exception {
        try (var w = handoffs.enter("ep", "ghost", 1, LEASE)) {
            long seen = w.generation();
            var parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return w.await(seen, Duration.ofHours(1));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> handoffs.reserve("ep", x -> true) != null);

            w.hangUp();
            w.give(List.of(running("j1")));

            assertThat(parked.get(10, TimeUnit.SECONDS)).extracting(Job::id).containsExactly("j1");
            assertThat(w.isHungUp()).isTrue();
        }
    }

    @Test
    void aStoppedWorkersJobTakeIsWokenInsteadOfReserved() throws Exception {
        try (var w = handoffs.enter("ep", "retired", 1, LEASE)) {
            long seen = w.generation();
            var parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return w.await(seen, Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                Handoffs.Waiter r = handoffs.reserve("ep", x -> !x.equals("retired"));
                assertThat(r).isNull();
                return parked.isDone();
            });
            assertThat(parked.get()).isEmpty();
        }
        assertThat(handoffs.waiting("ep")).isZero();
    }
}
