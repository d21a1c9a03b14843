package io.comfyfleet.fleet.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.scale.WorkerState;
import io.comfyfleet.fleet.scale.WorkerView;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WorkerViewsTest {
    private static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
    private static final AutoscalerSettings SETTINGS = new AutoscalerSettings(Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(420), Duration.ofSeconds(60));

    private static FleetWorker worker(FleetWorker.Phase phase, int startedS) {
        return new FleetWorker(new WorkerHandle("w", "ep", "local", "cpu slot 0", "v1"), phase, NOW.minusSeconds(startedS),
                null, null, null);
    }

    private static WorkerActivity heard(int jobs, int seenS, Integer idleS) {
        return new WorkerActivity(jobs, NOW.minusSeconds(seenS), idleS == null ? null : NOW.minusSeconds(idleS),
                false, false);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("stopping", worker(FleetWorker.Phase.STOPPING, 10), heard(0, 1, 5), WorkerState.STOPPING),
                Arguments.of("exited", worker(FleetWorker.Phase.EXITED, 10), null, WorkerState.UNHEALTHY),
                Arguments.of("not heard yet", worker(FleetWorker.Phase.UP, 10), null, WorkerState.INITIALIZING),
                Arguments.of("not heard at the init timeout", worker(FleetWorker.Phase.UP, 420), null,
                        WorkerState.INITIALIZING),
                Arguments.of("not heard past the init timeout", worker(FleetWorker.Phase.UP, 421), null,
                        WorkerState.UNHEALTHY),
                Arguments.of("busy", worker(FleetWorker.Phase.UP, 100), heard(2, 1, null), WorkerState.RUNNING),
                Arguments.of("idle", worker(FleetWorker.Phase.UP, 100), heard(0, 1, 30), WorkerState.IDLE),
                Arguments.of("silent past the limit", worker(FleetWorker.Phase.UP, 100), heard(1, 61, null),
                        WorkerState.UNHEALTHY),
                Arguments.of("failed its self-check", worker(FleetWorker.Phase.UP, 100),
                        new WorkerActivity(0, NOW, NOW, true, false), WorkerState.UNHEALTHY),
                Arguments.of("asked to be replaced (stopPod)", worker(FleetWorker.Phase.UP, 100),
                        new WorkerActivity(0, NOW, NOW, false, true), WorkerState.UNHEALTHY),
                Arguments.of("silent at the limit", worker(FleetWorker.Phase.UP, 100), heard(0, 60, 70),
                        WorkerState.IDLE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void joinsProviderAndGatewayIntoARunpodState(String name, FleetWorker w, WorkerActivity a, WorkerState state) {
        WorkerView v = WorkerViews.view(w, a, SETTINGS, NOW);

        assertThat(v.state()).isEqualTo(state);
        assertThat(v.startedAt()).isEqualTo(w.startedAt());
        assertThat(v.idleSince()).isEqualTo(state == WorkerState.IDLE ? a.idleSince() : null);
    }
}
