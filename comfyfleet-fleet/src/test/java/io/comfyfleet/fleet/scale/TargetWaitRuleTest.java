package io.comfyfleet.fleet.scale;

import static io.comfyfleet.fleet.scale.WorkerState.IDLE;
import static io.comfyfleet.fleet.scale.WorkerState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The target-wait scaler's decisions, worked out by hand: cold start 10 s, execution 4 s unless said. */
class TargetWaitRuleTest {
    private static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");
    private final ScalingPolicy policy = new ScalingPolicy();

    private static EndpointScaling target(double seconds) {
        return EndpointScaling.of("ep", 0, 4, Duration.ofMinutes(10), "TARGET_WAIT", seconds);
    }

    private static WorkerView w(String id, WorkerState s, int startedS, Integer idleS) {
        return new WorkerView(id, s, NOW.minusSeconds(startedS), idleS == null ? null : NOW.minusSeconds(idleS));
    }

    /** {@code queued} jobs, the oldest accepted {@code oldestS} ago; measured execution {@code execS}. */
    private static QueueSnapshot q(long queued, long running, int oldestS, int execS, List<Instant> arrivals) {
        return new QueueSnapshot(queued, running, queued == 0 ? null : NOW.minusSeconds(oldestS),
                new Demand(arrivals, Duration.ofSeconds(execS), Duration.ofSeconds(10)));
    }

    /** Arrivals {@code gapS} apart, the last one {@code quietS} ago. */
    private static List<Instant> every(int count, int gapS, int quietS) {
        List<Instant> a = new ArrayList<>();
        for (int i = count - 1; i >= 0; i--) {
            a.add(NOW.minusSeconds(quietS + (long) i * gapS));
        }
        return a;
    }

    @Test
    void aQueuedJobWithNoWorkerStartsOneAtOnce() {
        ScalingDecision d = policy.decide(q(1, 0, 0, 4, List.of()), List.of(), target(60), NOW);
        assertThat(d.start()).isEqualTo(1);
        assertThat(d.reasons()).containsExactly("target wait 60.0 s: 1 queued and no live worker: start 1");
    }

    @Test
    void aJobWaitsForABusyWorkerThatTakesItWithinTheTargetAndGetsANewOneWhenItWouldNot() {
        // jobs of 30 s: the running worker is free in S/2 = 15 s, later than a new worker's cold start (10 s)
        List<WorkerView> busy = List.of(w("a", RUNNING, 100, null));
        // waited 2 s: taken at 2 + 15 = 17 s, within 20 s: it waits
        assertThat(policy.decide(q(1, 1, 2, 30, List.of()), busy, target(20), NOW).start()).isZero();
        // waited 8 s: 8 + 15 = 23 s, past 20 s: a worker of its own takes it sooner
        ScalingDecision late = policy.decide(q(1, 1, 8, 30, List.of()), busy, target(20), NOW);
        assertThat(late.start()).isEqualTo(1);
        assertThat(late.reasons()).containsExactly("target wait 20.0 s: 1 queued, 1 live worker, cold start 10.0 s,"
                + " execution 30.0 s: 1 of them would wait longer than 20.0 s: start 1");
    }

    @Test
    void aNewWorkerIsNeverStartedForAJobThatABusyOneTakesBeforeAColdStartEnds() {
        // free in S/2 = 2 s: a new worker (10 s) could not take the job sooner, however long the job has waited
        ScalingDecision d = policy.decide(q(1, 1, 50, 4, List.of()), List.of(w("a", RUNNING, 100, null)), target(20),
                NOW);
        assertThat(d.start()).isZero();
    }

    @Test
    void aLongQueueGetsTheWorkersThatKeepItWithinTheTarget() {
        // one running worker, 6 queued, the oldest 6 s ago: taken as arrived 6, 5, 4, 3, 2 and 1 s ago. On the
        // running worker they would be taken in 2, 6, 10, 14, 18, 22 s. Jobs 1 to 3 wait for it (a new worker is
        // no sooner than 10 s); job 4 would be taken 3 + 14 = 17 s after it came, past 15 s: a new worker (free
        // again at 10 + 4 = 14 s); job 5: 2 + 14 > 15: another; job 6 is taken by one of them at 14 s, 1 + 14 = 15
        List<WorkerView> busy = List.of(w("a", RUNNING, 100, null));
        assertThat(TargetWaitRule.startsForQueue(q(6, 1, 6, 4, List.of()), busy, 10, 4, 15, 100, NOW)).isEqualTo(2);
        // a target of 30 s lets the running worker take all six
        assertThat(TargetWaitRule.startsForQueue(q(6, 1, 6, 4, List.of()), busy, 10, 4, 30, 100, NOW)).isZero();
        // jobs of 30 s: both running workers are free in 15 s, so the two queued jobs (6 and 3 s old) would wait
        // past 5 s, and new workers take them sooner; the reason says what "longer" is measured against
        ScalingDecision d = policy.decide(q(2, 2, 6, 30, List.of()),
                List.of(w("a", RUNNING, 100, null), w("b", RUNNING, 100, null)), target(5), NOW);
        assertThat(d.reasons()).containsExactly("target wait 5.0 s: 2 queued, 2 live workers, cold start 10.0 s,"
                + " execution 30.0 s: 2 of them would wait longer than 5.0 s: start 2");
    }

    @Test
    void startsStopAtMaxWorkers() {
        ScalingDecision d = policy.decide(q(10, 0, 3, 4, List.of()), List.of(w("a", RUNNING, 100, null)), target(1),
                NOW);
        assertThat(d.start()).isEqualTo(3);
    }

    @Test
    void anIdleWorkerStaysWarmOnlyWhileAJobWithinAColdStartIsLikelyEnough() {
        // past gaps: 5 of 20 s and 10 of 600 s, the last job 15 s ago: of the 15 gaps longer than 15 s, 5 ended
        // within 15 + 10 s, so P(a job within C) = 1/3
        List<Instant> a = gaps(5, 10);
        List<WorkerView> idle = List.of(w("a", IDLE, 900, 15));
        // the cold-start-aware scaler at weight 4 keeps it (1/3 > 1 / (1 + 4)); within the target a cold start
        // only costs GPU-seconds, so the target-wait scaler stops it (1/3 < 2/5)
        EndpointScaling aware = EndpointScaling.of("ep", 0, 4, Duration.ofMinutes(10), "COLD_START_AWARE", 4);
        assertThat(policy.decide(q(0, 0, 0, 4, a), idle, aware, NOW).stop()).isEmpty();
        ScalingDecision stopped = policy.decide(q(0, 0, 0, 4, a), idle, target(20), NOW);
        assertThat(stopped.stop()).containsExactly("a");
        assertThat(stopped.reasons()).containsExactly("target wait 20.0 s: no worker kept warm: quiet 15.0 s: the past"
                + " gaps give a job within a cold start (10.0 s) a chance of 0.33, a worker stays warm above 0.40",
                "worker a idle 15.0 s, 1 worker live, 0 worth keeping warm: stop it");
        // 9 gaps of 20 s and 11 of 600 s: P = 9/20, under an even chance but over 2/5: it stays
        assertThat(policy.decide(q(0, 0, 0, 4, gaps(9, 11)), idle, target(20), NOW).stop()).isEmpty();
        // jobs every 30 s, the last 25 s ago: every past gap ends within the next 10 s, it stays
        assertThat(policy.decide(q(0, 0, 0, 4, every(20, 30, 25)), List.of(w("a", IDLE, 900, 25)), target(20), NOW)
                .stop()).isEmpty();
    }

    @Test
    void belowAColdStartTheTargetKeepsAnIdleWorkerOnSmallerChances() {
        // P(a job within C) = 1/3 as above. A target of 10 s, which a cold start still meets, stops the worker; one of
        // 5 s no cold start can meet, so the warm weight grows to 1.5 × 10 / 5 = 3 and the worker stays above 1/4
        List<WorkerView> idle = List.of(w("a", IDLE, 900, 15));
        assertThat(policy.decide(q(0, 0, 0, 4, gaps(5, 10)), idle, target(10), NOW).stop()).containsExactly("a");
        assertThat(policy.decide(q(0, 0, 0, 4, gaps(5, 10)), idle, target(5), NOW).stop()).isEmpty();
        // 2 gaps of 20 s and 13 of 600 s: P = 2/15, under 1/4: even the 5 s target lets it go, and says at what chance
        ScalingDecision d = policy.decide(q(0, 0, 0, 4, gaps(2, 13)), idle, target(5), NOW);
        assertThat(d.stop()).containsExactly("a");
        assertThat(d.reasons().getFirst()).isEqualTo("target wait 5.0 s: no worker kept warm: quiet 15.0 s: the past"
                + " gaps give a job within a cold start (10.0 s) a chance of 0.13, a worker stays warm above 0.25");
    }

    /** Arrivals whose gaps are {@code short20} of 20 s, then {@code long600} of 600 s, the last one 15 s ago. */
    private static List<Instant> gaps(int short20, int long600) {
        List<Instant> a = new ArrayList<>();
        Instant t = NOW.minusSeconds(15);
        a.addFirst(t);
        for (int i = 0; i < short20 + long600; i++) {
            t = t.minusSeconds(i < short20 ? 20 : 600);
            a.addFirst(t);
        }
        return a;
    }

    @Test
    void withFewArrivalsTheOnlyWorkerStaysAsLongAsACostlierColdStartWouldAndThenSaysSo() {
        // three arrivals say nothing of the gaps: kept while the quiet is under (1 + 1.5) × 10 s, or while the last
        // minute's two arrivals (26 and 56 s ago) expect one within C: 1 − exp(−2/60 × (4 + 10)) = 0.37, under 0.40
        List<WorkerView> idle = List.of(w("a", IDLE, 900, 20));
        assertThat(policy.decide(q(0, 0, 0, 4, every(3, 30, 20)), idle, target(20), NOW).stop()).isEmpty();
        ScalingDecision d = policy.decide(q(0, 0, 0, 4, every(3, 30, 26)), List.of(w("a", IDLE, 900, 26)), target(20),
                NOW);
        assertThat(d.stop()).containsExactly("a");
        assertThat(d.reasons()).first().isEqualTo("target wait 20.0 s: no worker kept warm: quiet 26.0 s, too few"
                + " arrivals to read: a worker stays warm while the quiet is under 25.0 s or the last minute's arrivals"
                + " give a job within a cold start (10.0 s) a chance above 0.40 (now 0.37)");
    }

    @Test
    void nothingStartsAheadOfARisingRate() {
        // 12 jobs in the last minute after 14 quiet ones, none queued: the cold-start-aware scaler starts workers
        // ahead; within the target a cold start still takes the next job in time
        List<Instant> a = every(12, 5, 1);
        EndpointScaling aware = EndpointScaling.of("ep", 0, 4, Duration.ofMinutes(10), "COLD_START_AWARE", 4);
        assertThat(policy.decide(q(0, 0, 0, 20, a), List.of(), aware, NOW).start()).isEqualTo(4);
        assertThat(policy.decide(q(0, 0, 0, 20, a), List.of(), target(20), NOW).start()).isZero();
    }

    @Test
    void minWorkersAndTheIdleTimeoutStillHold() {
        EndpointScaling min1 = EndpointScaling.of("ep", 1, 4, Duration.ofSeconds(20), "TARGET_WAIT", 20);
        assertThat(policy.decide(q(0, 0, 0, 4, List.of()), List.of(), min1, NOW).start()).isEqualTo(1);
        assertThat(policy.decide(q(0, 0, 0, 4, List.of()), List.of(w("a", IDLE, 9000, 3600)), min1, NOW).stop())
                .isEmpty();
        // the forecast would keep a second one (jobs every 30 s, quiet 25 s), but it has been idle 25 s > 20 s
        ScalingDecision d = policy.decide(q(0, 0, 0, 4, every(20, 30, 25)),
                List.of(w("a", IDLE, 9000, 3600), w("b", IDLE, 600, 25)), min1, NOW);
        assertThat(d.stop()).hasSize(1);
    }
}
