package io.comfyfleet.fleet.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.testkit.SettableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link WorkerProvider} must do, whatever runs its workers. Each implementation's test extends this
 * and says how to make a provider whose workers behave a given way.
 */
public abstract class WorkerProviderContract {
    protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    protected static final Duration WAIT = Duration.ofSeconds(15);

    /** How the workers of a provider made for a test behave. */
    protected enum Behaviour {
        /** Run until asked to stop, and stop promptly when asked. */
        RUNS_UNTIL_STOPPED,
        /** Exit at once on their own, with exit code 3. */
        EXITS_AT_ONCE
    }

    protected final SettableClock clock = new SettableClock(T0);
    private final List<WorkerProvider> made = new ArrayList<>();

    /** A provider with room for exactly {@code capacity} workers, whose workers behave as told. */
    protected abstract WorkerProvider newProvider(Behaviour behaviour, int capacity, Clock clock);

    private WorkerProvider provider(Behaviour behaviour, int capacity) {
        WorkerProvider p = newProvider(behaviour, capacity, clock);
        made.add(p);
        return p;
    }

    @AfterEach
    void closeProviders() {
        made.forEach(WorkerProvider::close);
    }

    @Test
    void aStartedWorkerIsListedUpUnderItsIdAndEndpoint() {
        WorkerProvider p = provider(Behaviour.RUNS_UNTIL_STOPPED, 2);
        clock.advance(Duration.ofSeconds(3));

        WorkerHandle h = p.start(new WorkerSpec("ep1", "w1"));

        assertThat(h.workerId()).isEqualTo("w1");
        assertThat(h.endpoint()).isEqualTo("ep1");
        assertThat(h.provider()).isEqualTo(p.name());
        assertThat(p.list()).singleElement().satisfies(w -> {
            assertThat(w.handle()).isEqualTo(h);
            assertThat(w.phase()).isEqualTo(FleetWorker.Phase.UP);
            assertThat(w.startedAt()).isEqualTo(T0.plusSeconds(3));
            assertThat(w.coldStart()).isEmpty();
        });
        assertThat(p.find("w1")).contains(p.list().getFirst());
        assertThat(p.find("w9")).as("never started").isEmpty();
    }

    /**
     * Roll-outs compare {@code versionFor(image)} with the versions workers run. An endpoint with no image of its own
     * (the shipped configurations) runs the provider's default: a version of null there meant "no roll-outs", so
     * rolling back to the default after a halted roll-out never finished (the HALTED status stayed, and
     * {@code comfyfleet rollout --rollback --wait} waited out its timeout).
     */
    @Test
    void aWorkerStartedWithoutAnImageRunsTheVersionNamedForTheDefault() {
        WorkerProvider p = provider(Behaviour.RUNS_UNTIL_STOPPED, 1);

        WorkerHandle h = p.start(new WorkerSpec("ep1", "w1"));

        assertThat(p.versionFor(null)).as("the version of the default image").isNotNull().isEqualTo(h.version());
    }

    @Test
    void aStoppedWorkerLeavesTheListAndStoppingAgainIsHarmless() throws Exception {
        WorkerProvider p = provider(Behaviour.RUNS_UNTIL_STOPPED, 2);
        WorkerHandle h = p.start(new WorkerSpec("ep1", "w1"));
        p.start(new WorkerSpec("ep1", "w2"));

        p.stop(h, Duration.ofSeconds(5)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(p.list()).extracting(FleetWorker::workerId).containsExactly("w2");
        assertThat(p.find("w1")).isEmpty();
        assertThat(p.stop(h, Duration.ofSeconds(5))).isDone();
    }

    @Test
    void aWorkerThatExitsIsListedAsExitedUntilStopped() throws Exception {
        WorkerProvider p = provider(Behaviour.EXITS_AT_ONCE, 1);
        WorkerHandle h = p.start(new WorkerSpec("ep1", "w1"));

        FleetWorker exited = await().atMost(WAIT)
                .until(() -> p.list().getFirst(), w -> w.phase() == FleetWorker.Phase.EXITED);
        assertThat(exited.exitedAt()).isNotNull();
        assertThat(exited.exitCode()).isIn(3, null);
        assertThat(p.find("w1")).map(FleetWorker::phase).contains(FleetWorker.Phase.EXITED);

        p.stop(h, Duration.ofSeconds(1)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(p.list()).isEmpty();
    }

    @Test
    void capacityIsEnforcedAndFreedByAStop() throws Exception {
        WorkerProvider p = provider(Behaviour.RUNS_UNTIL_STOPPED, 1);
        WorkerHandle h = p.start(new WorkerSpec("ep1", "w1"));

        assertThatThrownBy(() -> p.start(new WorkerSpec("ep1", "w2"))).isInstanceOf(NoCapacityException.class)
                .extracting("workerId").isEqualTo("w2");

        p.stop(h, Duration.ofSeconds(5)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(p.start(new WorkerSpec("ep1", "w2")).workerId()).isEqualTo("w2");
    }

    @Test
    void twoLiveWorkersCannotShareAnId() {
        WorkerProvider p = provider(Behaviour.RUNS_UNTIL_STOPPED, 2);
        p.start(new WorkerSpec("ep1", "w1"));

        assertThatThrownBy(() -> p.start(new WorkerSpec("ep2", "w1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'w1'");
    }

    @Test
    void onlyTheFirstReadinessEndsTheColdStart() {
        WorkerProvider p = provider(Behaviour.RUNS_UNTIL_STOPPED, 1);
        p.start(new WorkerSpec("ep1", "w1"));

        assertThat(p.markReady("w1", T0.plusSeconds(12))).isTrue();
        assertThat(p.markReady("w1", T0.plusSeconds(30))).isFalse();
        assertThat(p.markReady("nobody", T0)).isFalse();
        assertThat(p.list().getFirst().coldStart()).contains(Duration.ofSeconds(12));
    }

    @Test
    void closeStopsEveryWorker() {
        WorkerProvider p = newProvider(Behaviour.RUNS_UNTIL_STOPPED, 3, clock);
        for (int i = 0; i < 3; i++) {
            p.start(new WorkerSpec("ep" + i, "c" + i));
        }

        p.close();

        assertThat(p.list()).isEmpty();
    }
}
