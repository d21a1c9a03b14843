package io.comfyfleet.fleet.rollout;

import static io.comfyfleet.fleet.scale.WorkerState.IDLE;
import static io.comfyfleet.fleet.scale.WorkerState.INITIALIZING;
import static io.comfyfleet.fleet.scale.WorkerState.RUNNING;
import static io.comfyfleet.fleet.scale.WorkerState.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.fleet.rollout.RolloutPolicy.VersionedWorker;
import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.fleet.scale.Scaler;
import io.comfyfleet.fleet.scale.ScalingDecision;
import io.comfyfleet.fleet.scale.WorkerState;
import io.comfyfleet.fleet.scale.WorkerView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every roll-out rule, one row per case: workers (old/new, state), replicas, surge → starts, stops, replicas. */
class RolloutPolicyTest {
    private static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
    private static final ScalingDecision NONE = new ScalingDecision(0, List.of(), List.of());
    private final RolloutPolicy policy = new RolloutPolicy();

    private static EndpointScaling s(int min, int max) {
        return new EndpointScaling("ep", min, max, Duration.ofSeconds(30), new Scaler.QueueDelay(Duration.ofSeconds(4)));
    }

    /** An old-version worker idle for {@code idleS} (for IDLE), started a minute ago. */
    private static VersionedWorker old(String id, WorkerState state, int idleS) {
        return new VersionedWorker(new WorkerView(id, state, NOW.minusSeconds(60), NOW.minusSeconds(idleS)), false);
    }

    private static VersionedWorker old(String id, WorkerState state) {
        return old(id, state, 10);
    }

    private static VersionedWorker neu(String id, WorkerState state) {
        return new VersionedWorker(new WorkerView(id, state, NOW.minusSeconds(5), NOW.minusSeconds(1)), true);
    }

    private static ScalingDecision starts(int n) {
        return new ScalingDecision(n, List.of(), List.of("scaler wants " + n));
    }

    private static ScalingDecision stops(String... ids) {
        return new ScalingDecision(0, List.of(ids), List.of("policy stops"));
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("no old worker: the scaling decision stands", starts(1),
                        List.of(neu("n1", IDLE)), s(0, 3), 1, -1, 1, List.of(), -1),
                Arguments.of("two idle old workers: surge one new worker, stop nothing yet", NONE,
                        List.of(old("o1", IDLE), old("o2", IDLE)), s(0, 2), 1, -1, 1, List.of(), 2),
                Arguments.of("surge spent while the new one starts: wait", NONE,
                        List.of(old("o1", IDLE), old("o2", IDLE), neu("n1", INITIALIZING)), s(0, 2), 1, 2,
                        0, List.of(), 2),
                Arguments.of("the new one is ready: stop the longest-idle old one", NONE,
                        List.of(old("o1", IDLE, 5), old("o2", IDLE, 50), neu("n1", IDLE)), s(0, 2), 1, 2,
                        0, List.of("o2"), 2),
                Arguments.of("one old left: start its replacement", NONE,
                        List.of(old("o1", IDLE), neu("n1", IDLE)), s(0, 2), 1, 2, 1, List.of(), 2),
                Arguments.of("a running old worker is never stopped; its replacement is ready", NONE,
                        List.of(old("o1", RUNNING), neu("n1", IDLE), neu("n2", RUNNING)), s(0, 2), 1, 2,
                        0, List.of(), 2),
                Arguments.of("minWorkers ready at all times: the only ready old worker stays until a new one is",
                        NONE, List.of(old("o1", IDLE), neu("n1", INITIALIZING)), s(1, 1), 1, 1, 0, List.of(), 1),
                Arguments.of("a surge of 2 starts both replacements at once", NONE,
                        List.of(old("o1", RUNNING), old("o2", RUNNING)), s(0, 2), 2, -1, 2, List.of(), 2),
                Arguments.of("no demand and min 0: idle old workers go, nothing new starts", stops(),
                        List.of(old("o1", IDLE), old("o2", IDLE)), s(0, 3), 1, 0, 0, List.of("o1", "o2"), 0),
                Arguments.of("old workers still starting are replaced, not waited for", NONE,
                        List.of(old("o1", INITIALIZING), old("o2", INITIALIZING)), s(0, 2), 1, -1, 2,
                        List.of("o1", "o2"), 2),
                Arguments.of("demand grows during the roll-out: replicas follow the scaler", starts(1),
                        List.of(old("o1", RUNNING), neu("n1", RUNNING)), s(0, 4), 1, 2, 2, List.of(), 3),
                Arguments.of("replicas stay within maxWorkers", starts(3),
                        List.of(old("o1", RUNNING), neu("n1", RUNNING)), s(0, 2), 1, 2, 1, List.of(), 2),
                Arguments.of("the idle timeout stops no ready worker while a surge worker starts (min 2)",
                        stops("n1"), List.of(old("o1", IDLE), neu("n1", IDLE), neu("n2", INITIALIZING)), s(2, 2), 1,
                        2, 0, List.of(), 2),
                Arguments.of("the idle timeout's lower demand retires an old worker first, down to the floor",
                        stops("n1"), List.of(old("o1", IDLE), neu("n1", IDLE), neu("n2", IDLE)), s(1, 3), 1, 3,
                        0, List.of("o1"), 2),
                Arguments.of("an unhealthy new worker is stopped and replaced", stops("n1"),
                        List.of(old("o1", IDLE), neu("n1", UNHEALTHY)), s(0, 1), 1, 1, 1, List.of("n1"), 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String name, ScalingDecision normal, List<VersionedWorker> workers, EndpointScaling settings,
            int surge, int replicas, int start, List<String> stop, int replicasAfter) {
        RolloutPolicy.Outcome o = policy.decide(normal, workers, settings, surge, replicas);
        assertThat(o.decision().start()).as("start").isEqualTo(start);
        assertThat(o.decision().stop()).as("stop").containsExactlyInAnyOrderElementsOf(stop);
        assertThat(o.replicas()).as("replicas").isEqualTo(replicasAfter);
        assertThat(o.rolling()).as("rolling").isEqualTo(workers.stream().anyMatch(w -> !w.current()));
        if (!o.rolling()) {
            assertThat(o.decision()).isSameAs(normal);
            return;
        }
        long liveAfter = workers.stream().filter(w -> w.view().state().isLive())
                .filter(w -> !o.decision().stop().contains(w.view().id())).count() + o.decision().start();
        assertThat(liveAfter).as("live workers never exceed replicas + surge")
                .isLessThanOrEqualTo(Math.max(replicasAfter, 0) + surge + workers.stream()
                        .filter(w -> !w.view().state().isLive()).count());
        long readyBefore = workers.stream().filter(w -> w.view().state() == IDLE || w.view().state() == RUNNING)
                .count();
        long readyAfter = workers.stream().filter(w -> w.view().state() == IDLE || w.view().state() == RUNNING)
                .filter(w -> !o.decision().stop().contains(w.view().id())).count();
        assertThat(readyAfter).as("never below minWorkers ready (unless it was already)")
                .isGreaterThanOrEqualTo(Math.min(readyBefore, settings.minWorkers()));
    }
}
