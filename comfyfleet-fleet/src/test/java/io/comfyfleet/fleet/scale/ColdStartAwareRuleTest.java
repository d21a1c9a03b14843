package io.comfyfleet.fleet.scale;

import static io.comfyfleet.fleet.scale.WorkerState.IDLE;
import static io.comfyfleet.fleet.scale.WorkerState.INITIALIZING;
import static io.comfyfleet.fleet.scale.WorkerState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cold-start-aware scaler's decisions, worked out by hand: cold start 10 s, execution 4 s unless said. */
class ColdStartAwareRuleTest {
    private static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");
    private final ScalingPolicy policy = new ScalingPolicy();

    private static EndpointScaling aware(double weight) {
        return EndpointScaling.of("ep", 0, 4, Duration.ofMinutes(10), "COLD_START_AWARE", weight);
    }

    private static WorkerView w(String id, WorkerState s, int startedS, Integer idleS) {
        return new WorkerView(id, s, NOW.minusSeconds(startedS), idleS == null ? null : NOW.minusSeconds(idleS));
    }

    /** Arrivals {@code gapS} apart, the last one {@code quietS} ago. */
    private static List<Instant> every(int count, int gapS, int quietS) {
        List<Instant> a = new ArrayList<>();
        for (int i = count - 1; i >= 0; i--) {
            a.add(NOW.minusSeconds(quietS + (long) i * gapS));
        }
        return a;
    }

    private static QueueSnapshot q(long queued, long running, List<Instant> arrivals) {
        return new QueueSnapshot(queued, running, queued == 0 ? null : NOW.minusSeconds(1),
                new Demand(arrivals, Duration.ofSeconds(4), Duration.ofSeconds(10)));
    }

    @Test
    void aQueuedJobWithNoWorkerStartsOneAtOnce() {
        ScalingDecision d = policy.decide(q(1, 0, List.of()), List.of(), aware(4), NOW);
        assertThat(d.start()).isEqualTo(1);
    }

    @Test
    void aJobQueuedBehindARunningWorkerWaitsWhenThatIsShorterThanAColdStart() {
        // the running worker is free in S/2 = 2 s: 4 × (2 − 10) < 10, no start
        ScalingDecision d = policy.decide(q(1, 1, List.of()), List.of(w("a", RUNNING, 100, null)), aware(4), NOW);
        assertThat(d.start()).isZero();
    }

    @Test
    void aLongQueueGetsNewWorkersForTheJobsThatWouldWaitLongerThanAColdStartIsWorth() {
        // one running worker, execution 4 s: the queued jobs would start at 2, 6, 10, 14, ... s; a new worker serves a
        // job at 10 s, which pays off once 4 × (f − 10) > 10, i.e. f > 12.5: jobs 4, 5 and 6 each get one
        assertThat(ColdStartAwareRule.startsForQueue(q(6, 1, List.of()), List.of(w("a", RUNNING, 100, null)), 10, 4,
                4, NOW)).isEqualTo(3);
        // a second worker, ready in 4 s, serves them at 2, 4, 6, 8, 10, 12 s: none waits long enough
        assertThat(ColdStartAwareRule.startsForQueue(q(6, 1, List.of()),
                List.of(w("a", RUNNING, 100, null), w("b", INITIALIZING, 6, null)), 10, 4, 4, NOW)).isZero();
    }

    @Test
    void anIdleWorkerStaysWarmWhileTheGapsSayTheNextJobIsNear() {
        // jobs every 30 s, the last one 5 s ago: the past gaps longer than 5 s all ended within 5 + 10 s? no: they
        // ended at 30 s. Chance within the next 10 s is 0 at quiet 5 s, but 1 at quiet 25 s (all gaps end by 35 s)
        List<WorkerView> idle = List.of(w("a", IDLE, 600, 5));
        assertThat(policy.decide(q(0, 0, every(20, 30, 25)), idle, aware(4), NOW).stop()).isEmpty();
    }

    @Test
    void anIdleWorkerIsStoppedAtOnceWhenThePastGapsSayNoJobIsNear() {
        // jobs every 30 s, but the last one was 60 s ago: no past gap was that long, so nothing is expected soon
        List<WorkerView> idle = List.of(w("a", IDLE, 600, 55));
        ScalingDecision d = policy.decide(q(0, 0, every(20, 30, 60)), idle, aware(4), NOW);
        assertThat(d.stop()).containsExactly("a");
        assertThat(d.start()).isZero();
    }

    @Test
    void theChanceOfTheNextArrivalIsReadFromThePastGapsLongerThanTheQuietSoFar() {
        // gaps: 10 × 20 s and 10 × 600 s (bursts and pauses)
        List<Instant> a = new ArrayList<>();
        Instant t = NOW.minusSeconds(100_000);
        for (int i = 0; i < 10; i++) {
            a.add(t);
            t = t.plusSeconds(20);
            a.add(t);
            t = t.plusSeconds(600);
        }
        ArrivalForecast f = new ArrivalForecast(new Demand(a, null, null));
        // quiet 15 s: 19 gaps are longer (10 × 20 plus 9 × 600 between the 20 arrivals... ), 10 end within 15 + 10 s
        assertThat(f.chanceWithin(Duration.ofSeconds(15), Duration.ofSeconds(10))).isCloseTo(10.0 / 19, within(1e-9));
        // quiet 30 s: only the long pauses are left, none ends within 40 s
        assertThat(f.chanceWithin(Duration.ofSeconds(30), Duration.ofSeconds(10))).isZero();
    }

    @Test
    void aHigherWaitWeightKeepsMoreWorkersWarmUnderTheSameLoad() {
        // one job every 5 s for the last 15 minutes, execution 4 s, cold start 10 s: mean jobs in (S + C) = 2.8
        List<Instant> a = every(180, 5, 1);
        List<WorkerView> idle = List.of(w("a", IDLE, 900, 1), w("b", IDLE, 900, 1), w("c", IDLE, 900, 1),
                w("d", IDLE, 900, 1));
        int keptLow = 4 - policy.decide(q(0, 0, a), idle, aware(0.5), NOW).stop().size();
        int keptHigh = 4 - policy.decide(q(0, 0, a), idle, aware(16), NOW).stop().size();
        // the first worker: the gaps say a job comes within C for sure. Each further one only saves a wait of
        // min(C, S/2) = 2 s, so it is kept while P(N >= k) > C / (w × 2 s):
        // weight 0.5: > 10, never -> 1 kept
        assertThat(keptLow).isEqualTo(1);
        // weight 16: > 0.3125: P(N>=2)=0.77, P(N>=3)=0.53, P(N>=4)=0.308 -> 3 kept
        assertThat(keptHigh).isEqualTo(3);
    }

    @Test
    void aSpareBesideARunningWorkerIsStoppedWhenItWouldOnlySaveAShortWait() {
        // one job every 5 s (mean jobs in S + C = 2.8): a second worker is needed within C with P = 0.77. Priced
        // like a cold start (0.77 × (1 + 4) > 1) it was kept; it only saves the wait for the running worker to
        // free, min(C, S/2) = 2 s: 0.77 × 4 × 2 s < 10 s of idling, so it goes
        List<Instant> a = every(180, 5, 1);
        List<WorkerView> workers = List.of(w("busy", RUNNING, 900, null), w("spare", IDLE, 900, 1));
        ScalingDecision d = policy.decide(q(0, 1, a), workers, aware(4), NOW);
        assertThat(d.stop()).containsExactly("spare");
        // with jobs of 30 s the wait it saves is a whole cold start (min(C, S/2) = 10 s): 0.99 × 4 × 10 s > 10 s
        QueueSnapshot longJobs = new QueueSnapshot(0, 1, null, new Demand(a, Duration.ofSeconds(30),
                Duration.ofSeconds(10)));
        assertThat(policy.decide(longJobs, workers, aware(4), NOW).stop()).isEmpty();
    }

    @Test
    void theFirstWorkerIsPricedAsAColdStartAndEveryFurtherOneAsAWaitForAnother() {
        // first: keep while chance > 1 / (1 + w)
        assertThat(ColdStartAwareRule.keepThreshold(1, 10, 4, 4)).isCloseTo(0.2, within(1e-9));
        // further: keep while chance × w × min(C, S/2) > C
        assertThat(ColdStartAwareRule.keepThreshold(2, 10, 4, 4)).isCloseTo(10.0 / (4 * 2), within(1e-9));
        assertThat(ColdStartAwareRule.keepThreshold(3, 10, 40, 4)).isCloseTo(10.0 / (4 * 10), within(1e-9));
    }

    @Test
    void aRisingRateStartsWorkersBeforeTheQueueShowsIt() {
        // quiet for 14 minutes, then 12 jobs in the last minute (0.2/s, against 0.013/s over 15 min):
        // ceil(0.2 × 4 s) = 1 worker; with execution 20 s it is ceil(4) = 4
        List<Instant> a = every(12, 5, 1);
        QueueSnapshot slow = new QueueSnapshot(0, 0, null, new Demand(a, Duration.ofSeconds(20),
                Duration.ofSeconds(10)));
        ScalingDecision d = policy.decide(slow, List.of(), aware(4), NOW);
        assertThat(d.start()).isEqualTo(4);
        assertThat(d.reasons()).anyMatch(r -> r.contains("arrivals rising"));
    }

    @Test
    void aRisingRateStartsNoWorkerAheadOnceThePastGapsSayTheRiseIsOver() {
        // 12 jobs in the last minute, 4 s apart (0.2/s against 0.013/s over 15 min: ceil(0.2 × 20 s) = 4), but the
        // last one came 13 s ago and no past gap was longer than 4 s: no job is expected within C, and a worker
        // started now would be stopped at once by the warm rule
        List<Instant> a = every(12, 4, 13);
        QueueSnapshot over = new QueueSnapshot(0, 0, null, new Demand(a, Duration.ofSeconds(20),
                Duration.ofSeconds(10)));
        assertThat(policy.decide(over, List.of(), aware(4), NOW).start()).isZero();
        // the same rise with a job queued still starts the workers ahead
        QueueSnapshot queued = new QueueSnapshot(1, 0, NOW.minusSeconds(1), over.demand());
        assertThat(policy.decide(queued, List.of(), aware(4), NOW).start()).isEqualTo(4);
    }

    @Test
    void theIdleTimeoutStillBoundsAWarmWorker() {
        EndpointScaling shortIdle = EndpointScaling.of("ep", 0, 4, Duration.ofSeconds(20), "COLD_START_AWARE", 16);
        // the forecast would keep it (jobs every 30 s, quiet 25 s) but it has been idle 25 s > 20 s
        ScalingDecision d = policy.decide(q(0, 0, every(20, 30, 25)), List.of(w("a", IDLE, 600, 25)), shortIdle,
                NOW);
        assertThat(d.stop()).containsExactly("a");
    }

    @Test
    void minWorkersAreKeptWhateverTheForecast() {
        EndpointScaling min1 = EndpointScaling.of("ep", 1, 4, Duration.ofMinutes(10), "COLD_START_AWARE", 1);
        ScalingDecision d = policy.decide(q(0, 0, every(20, 30, 3600)), List.of(w("a", IDLE, 9000, 3600)), min1, NOW);
        assertThat(d.stop()).isEmpty();
        assertThat(policy.decide(q(0, 0, List.of()), List.of(), min1, NOW).start()).isEqualTo(1);
    }

    @Test
    void theWaitWeightMustBePositive() {
        assertThatThrownBy(() -> aware(0)).isInstanceOf(InvalidScalingException.class)
                .hasMessageContaining("'scaler.value' must be a positive wait weight for COLD_START_AWARE, got 0.0");
    }
}
