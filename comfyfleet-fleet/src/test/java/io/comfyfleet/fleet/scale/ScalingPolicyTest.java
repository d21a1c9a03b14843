package io.comfyfleet.fleet.scale;

import static io.comfyfleet.fleet.scale.WorkerState.IDLE;
import static io.comfyfleet.fleet.scale.WorkerState.INITIALIZING;
import static io.comfyfleet.fleet.scale.WorkerState.RUNNING;
import static io.comfyfleet.fleet.scale.WorkerState.STOPPING;
import static io.comfyfleet.fleet.scale.WorkerState.THROTTLED;
import static io.comfyfleet.fleet.scale.WorkerState.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of the policy, one row per case: queue, workers, settings → start count and stopped ids. */
class ScalingPolicyTest {
    private static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
    private final ScalingPolicy policy = new ScalingPolicy();

    /** Queue-delay settings: min, max, idle timeout (s), delay (s). */
    private static EndpointScaling qd(int min, int max, int idleS, int delayS) {
        return new EndpointScaling("ep", min, max, Duration.ofSeconds(idleS),
                new Scaler.QueueDelay(Duration.ofSeconds(delayS)));
    }

    /** Request-count settings: min, max, idle timeout (s), jobs per worker. */
    private static EndpointScaling rc(int min, int max, int idleS, int n) {
        return new EndpointScaling("ep", min, max, Duration.ofSeconds(idleS), new Scaler.RequestCount(n));
    }

    /** queued normal-priority jobs (the oldest waiting {@code waitedS}), running jobs. */
    private static QueueSnapshot q(long queued, long running, double waitedS) {
        return new QueueSnapshot(queued, running, queued == 0 ? null : NOW.minusMillis((long) (waitedS * 1000)));
    }

    private static QueueSnapshot q(long queued, long running) {
        return q(queued, running, 0);
    }

    /** A worker started {@code startedS} ago; idle ones idle for {@code idleS}. */
    private static WorkerView w(String id, WorkerState state, int startedS, Integer idleS) {
        return new WorkerView(id, state, NOW.minusSeconds(startedS), idleS == null ? null : NOW.minusSeconds(idleS));
    }

    private static WorkerView w(String id, WorkerState state, int startedS) {
        return w(id, state, startedS, null);
    }

    private static Arguments row(String name, QueueSnapshot queue, List<WorkerView> workers, EndpointScaling s,
            int start, List<String> stop) {
        return Arguments.of(name, queue, workers, s, start, stop);
    }

    static Stream<Arguments> rows() {
        List<String> none = List.of();
        return Stream.of(
                // min and max
                row("nothing to do", q(0, 0), List.of(), qd(0, 3, 5, 4), 0, none),
                row("min from zero", q(0, 0), List.of(), qd(2, 3, 5, 4), 2, none),
                row("min counts initializing workers", q(0, 0), List.of(w("a", INITIALIZING, 1)), qd(2, 3, 5, 4),
                        1, none),
                row("stopping workers are not capacity", q(0, 0), List.of(w("a", STOPPING, 100)), qd(1, 3, 5, 4),
                        1, none),
                row("min == max keeps idle workers past the timeout", q(0, 0),
                        List.of(w("a", IDLE, 900, 600), w("b", IDLE, 900, 600)), qd(2, 2, 5, 4), 0, none),
                row("max 0 starts nothing for a long wait", q(5, 0, 600), List.of(), qd(0, 0, 5, 4), 0, none),
                row("max 0 stops an idle worker at once", q(0, 0), List.of(w("a", IDLE, 10, 1)), rc(0, 0, 60, 1),
                        0, List.of("a")),
                row("max lowered: idle first, then newest initializing, never running", q(0, 2),
                        List.of(w("r1", RUNNING, 50), w("i", IDLE, 50, 2), w("old", INITIALIZING, 9),
                                w("new", INITIALIZING, 3), w("r2", RUNNING, 50)),
                        rc(0, 2, 60, 1), 0, List.of("i", "new", "old")),
                row("max lowered by one stops the longest idle", q(0, 0),
                        List.of(w("x", IDLE, 50, 2), w("y", IDLE, 50, 40), w("z", IDLE, 50, 7)),
                        qd(0, 2, 600, 4), 0, List.of("y")),
                row("throttled workers count against max", q(1, 0, 30), List.of(w("t", THROTTLED, 60)),
                        qd(0, 1, 5, 4), 0, none),

                // QUEUE_DELAY
                row("queue delay exceeded: start one", q(3, 0, 5), List.of(), qd(0, 3, 5, 4), 1, none),
                row("queue delay reached exactly: not yet", q(1, 1, 4), List.of(w("a", RUNNING, 60)),
                        qd(0, 3, 5, 4), 0, none),
                row("queue delay not reached", q(1, 1, 1), List.of(w("a", RUNNING, 60)), qd(0, 3, 5, 4), 0, none),
                row("no live worker: the first starts at once", q(1, 0, 0), List.of(), qd(0, 3, 5, 4), 1, none),
                row("no live worker, one stopping: the first starts at once", q(1, 0, 0),
                        List.of(w("s", STOPPING, 100)), qd(0, 3, 5, 4), 1, none),
                row("no live worker but one started within the delay: wait", q(1, 0, 2),
                        List.of(w("s", STOPPING, 2)), qd(0, 3, 5, 4), 0, none),
                row("no live worker, an old one unhealthy: it is stopped and the first starts at once", q(1, 0, 0),
                        List.of(w("u", UNHEALTHY, 100)), qd(0, 3, 5, 4), 1, List.of("u")),
                row("no live worker under a long delay: the first still starts at once", q(1, 0, 0.001),
                        List.of(), qd(0, 3, 5, 3600), 1, none),
                row("no live worker but max 0: nothing starts", q(1, 0, 60), List.of(), qd(0, 0, 5, 4), 0, none),
                row("an idle worker will take it", q(1, 0, 9), List.of(w("a", IDLE, 60, 1)), qd(0, 3, 5, 4), 0,
                        none),
                row("an initializing worker will take it", q(1, 0, 9), List.of(w("a", INITIALIZING, 30)),
                        qd(0, 3, 5, 4), 0, none),
                row("a worker started within the delay window: wait", q(2, 1, 9), List.of(w("a", RUNNING, 2)),
                        qd(0, 3, 5, 4), 0, none),
                row("all busy, last start outside the window: one more", q(2, 1, 9), List.of(w("a", RUNNING, 10)),
                        qd(0, 3, 5, 4), 1, none),
                row("burst of 100 still starts only one", q(100, 2, 60),
                        List.of(w("a", RUNNING, 60), w("b", RUNNING, 60)), qd(0, 10, 5, 4), 1, none),
                row("at max: no start", q(5, 3, 60),
                        List.of(w("a", RUNNING, 60), w("b", RUNNING, 60), w("c", RUNNING, 60)), qd(0, 3, 5, 4), 0,
                        none),
                row("low-priority-only queue starts nothing", q(0, 0), List.of(), qd(0, 3, 5, 4), 0, none),
                row("queued work keeps idle workers past the timeout", q(1, 0, 1), List.of(w("a", IDLE, 600, 300)),
                        qd(0, 3, 5, 4), 0, none),
                row("min start is the only start", q(4, 0, 60), List.of(), qd(2, 5, 5, 4), 2, none),

                // unhealthy workers
                row("unhealthy worker is stopped and replaced for the queue", q(1, 0, 30),
                        List.of(w("u", UNHEALTHY, 60)), qd(0, 3, 5, 4), 1, List.of("u")),
                row("a worker that crashed right after start is not replaced within the delay", q(1, 0, 30),
                        List.of(w("u", UNHEALTHY, 1)), qd(0, 3, 5, 4), 0, List.of("u")),
                row("unhealthy min worker is replaced", q(0, 0), List.of(w("u", UNHEALTHY, 1)), qd(1, 3, 5, 4), 1,
                        List.of("u")),
                row("unhealthy worker is replaced under request count", q(2, 0), List.of(w("u", UNHEALTHY, 1)),
                        rc(0, 3, 5, 2), 1, List.of("u")),
                row("unhealthy workers do not count against max", q(1, 0),
                        List.of(w("u", UNHEALTHY, 1), w("v", UNHEALTHY, 1)), rc(0, 1, 5, 1), 1, List.of("u", "v")),

                // REQUEST_COUNT
                row("N=1 burst starts one per job", q(5, 0), List.of(), rc(0, 10, 5, 1), 5, none),
                row("ceil((5 + 2) / 4) = 2", q(5, 2), List.of(w("a", RUNNING, 60)), rc(0, 5, 5, 4), 1, none),
                row("burst above max is clamped", q(100, 0), List.of(), rc(0, 3, 5, 1), 3, none),
                row("desired below min is clamped up", q(1, 0), List.of(), rc(2, 5, 5, 10), 2, none),
                row("min == max, N=1, busy: nothing", q(10, 1), List.of(w("a", RUNNING, 60)), rc(1, 1, 5, 1), 0,
                        none),
                row("running low-priority jobs keep their workers", q(0, 2),
                        List.of(w("a", RUNNING, 60), w("b", RUNNING, 60)), rc(0, 3, 5, 1), 0, none),
                row("low-priority-only queue: idle workers time out", q(0, 0),
                        List.of(w("a", IDLE, 60, 30), w("b", IDLE, 60, 40)), rc(0, 3, 5, 1), 0, List.of("b", "a")),
                row("more than desired: idle past timeout stopped down to desired", q(1, 0),
                        List.of(w("a", IDLE, 60, 30), w("b", IDLE, 60, 40), w("c", IDLE, 60, 20)), rc(0, 3, 5, 1),
                        0, List.of("b", "a")),
                row("no stop in a decision that starts", q(3, 0), List.of(w("a", IDLE, 60, 30)), rc(0, 5, 5, 1), 2,
                        none),

                // idle timeout
                row("only workers idle longer than the timeout", q(0, 0),
                        List.of(w("a", IDLE, 200, 100), w("b", IDLE, 200, 3)), qd(0, 3, 5, 4), 0, List.of("a")),
                row("idle exactly the timeout is kept", q(0, 0), List.of(w("a", IDLE, 200, 5)), qd(0, 3, 5, 4), 0,
                        none),
                row("down to min, longest idle first", q(0, 0),
                        List.of(w("a", IDLE, 200, 10), w("b", IDLE, 200, 30), w("c", IDLE, 200, 20)), qd(1, 3, 5, 4),
                        0, List.of("b", "c")),
                row("never a running worker", q(0, 2), List.of(w("a", RUNNING, 900), w("b", RUNNING, 900)),
                        qd(0, 3, 5, 4), 0, none),
                row("running workers count toward min", q(0, 1),
                        List.of(w("a", RUNNING, 900), w("b", IDLE, 900, 600)), qd(1, 3, 5, 4), 0, List.of("b")),
                row("a worker that never ran a job is idle since it started", q(0, 0),
                        List.of(w("a", IDLE, 100, null)), qd(0, 3, 60, 4), 0, List.of("a")),
                row("idle timeout 0 stops as soon as idle", q(0, 0), List.of(w("a", IDLE, 100, 1)), qd(0, 3, 0, 4), 0,
                        List.of("a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String name, QueueSnapshot queue, List<WorkerView> workers, EndpointScaling settings, int start,
            List<String> stop) {
        ScalingDecision d = policy.decide(queue, workers, settings, NOW);

        assertThat(d.start()).as("workers to start").isEqualTo(start);
        assertThat(d.stop()).as("workers to stop").containsExactlyElementsOf(stop);
        assertThat(d.reasons()).as("a decision that acts says why").hasSizeGreaterThanOrEqualTo(
                d.isEmpty() ? 0 : 1);
    }

    @Test
    void queueDelayDoesNotThrashWhileAWorkerBoots() {
        // one job waits; the new worker takes 30 s to boot; decisions every second must start it once
        EndpointScaling s = qd(0, 5, 5, 4);
        Instant enqueued = NOW;
        List<WorkerView> workers = new ArrayList<>();
        int started = 0;
        for (int t = 0; t <= 30; t++) {
            Instant at = NOW.plusSeconds(t);
            ScalingDecision d = policy.decide(new QueueSnapshot(1, 0, enqueued), workers, s, at);
            for (int i = 0; i < d.start(); i++) {
                workers.add(new WorkerView("w" + started++, INITIALIZING, at, null));
            }
        }
        assertThat(started).isEqualTo(1);
    }

    @Test
    void queueDelayRampsOneWorkerPerWindowOnABurst() {
        // 50 jobs at once; every worker boots instantly and is busy; the first starts at once (none is live), the
        // second once the oldest waited more than 4 s, then one per 4 s window
        EndpointScaling s = qd(0, 50, 5, 4);
        List<WorkerView> workers = new ArrayList<>();
        List<Integer> startSeconds = new ArrayList<>();
        for (int t = 0; t <= 20; t++) {
            Instant at = NOW.plusSeconds(t);
            ScalingDecision d = policy.decide(new QueueSnapshot(50, workers.size(), NOW), workers, s, at);
            for (int i = 0; i < d.start(); i++) {
                workers.add(new WorkerView("w" + workers.size(), RUNNING, at, null));
                startSeconds.add(t);
            }
        }
        assertThat(startSeconds).containsExactly(0, 5, 9, 13, 17);
    }

    @Test
    void requestCountFollowsABurstUpAndTheIdleTimeoutDown() {
        EndpointScaling s = rc(0, 4, 10, 2);
        assertThat(policy.decide(q(7, 0), List.of(), s, NOW).start()).isEqualTo(4);

        List<WorkerView> idle = List.of(w("a", IDLE, 60, 11), w("b", IDLE, 60, 9), w("c", IDLE, 60, 30),
                w("d", IDLE, 60, 12));
        assertThat(policy.decide(q(0, 0), idle, s, NOW).stop()).containsExactly("c", "d", "a");
    }

    @Test
    void theReasonsGiveDurationsAsPeopleReadThem() {
        // they are lines on up's terminal: 1.9 s, not PT1.945S
        ScalingDecision start = policy.decide(q(1, 1, 1.945), List.of(w("r", RUNNING, 40)), qd(0, 3, 600, 1), NOW);
        assertThat(start.reasons()).containsExactly(
                "oldest queued job waited 1.9 s > queue delay 1.0 s and no worker is idle or starting: start 1");

        ScalingDecision stop = policy.decide(q(0, 0), List.of(w("a", IDLE, 900, 754)), qd(0, 3, 600, 1), NOW);
        assertThat(stop.reasons()).singleElement().asString()
                .startsWith("worker a idle 12 min 34 s > idle timeout 10 min, ");
    }

    @Test
    void aDecisionIsTheSameForTheSameInputs() {
        List<WorkerView> workers = List.of(w("a", IDLE, 60, 30), w("u", UNHEALTHY, 50), w("r", RUNNING, 40));
        ScalingDecision first = policy.decide(q(2, 1, 9), workers, qd(1, 4, 5, 4), NOW);
        assertThat(policy.decide(q(2, 1, 9), workers, qd(1, 4, 5, 4), NOW)).isEqualTo(first);
    }
}
