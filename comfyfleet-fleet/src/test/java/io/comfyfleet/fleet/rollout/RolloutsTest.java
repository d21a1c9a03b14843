package io.comfyfleet.fleet.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.InMemoryEndpointSettings;
import io.comfyfleet.core.endpoint.RolloutStatus;
import io.comfyfleet.testkit.SettableClock;
import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.fleet.autoscale.AutoscalerSettings;
import io.comfyfleet.fleet.autoscale.WorkerActivity;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.fleet.scale.QueueSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The autoscaler with roll-outs on a fake provider: settings from the store, new versions, halts, roll-backs. */
class RolloutsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final AutoscalerSettings SETTINGS = new AutoscalerSettings(Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30));

    private final SettableClock clock = new SettableClock(T0);
    private final FakeProvider provider = new FakeProvider(clock);
    private final InMemoryEndpointSettings store = new InMemoryEndpointSettings();
    /** What the gateway heard: every worker that became ready takes jobs, busy ones listed here. */
    private final Map<String, Integer> busy = new ConcurrentHashMap<>();
    private QueueSnapshot queue = QueueSnapshot.empty();
    private final Autoscaler autoscaler;

    RolloutsTest() {
        store.seed(new EndpointSettings("ep", "img:a", null, false, 2, 2, Duration.ofMinutes(10), "QUEUE_DELAY", 4, 1, null, null, 0, T0));
        StoredEndpoints endpoints = new StoredEndpoints(store,
                List.of(EndpointScaling.runpodDefaults("ep")));
        autoscaler = new Autoscaler(provider, (ep, now) -> queue, ep -> activity(), List.of(), SETTINGS, clock);
        autoscaler.readSettingsFrom(endpoints);
        autoscaler.rollOutWith(new Rollouts(endpoints, store, provider, 3));
    }

    private Map<String, WorkerActivity> activity() {
        Map<String, WorkerActivity> heard = new ConcurrentHashMap<>();
        for (FleetWorker w : provider.list()) {
            if (w.readyAt() != null && w.phase() == FleetWorker.Phase.UP) {
                int jobs = busy.getOrDefault(w.workerId(), 0);
                heard.put(w.workerId(), jobs > 0 ? WorkerActivity.busy(jobs, clock.instant())
                        : WorkerActivity.idle(clock.instant(), w.readyAt()));
            }
        }
        return heard;
    }

    /** One pass a second later; every worker started by then asks for a job (becomes ready). */
    private void pass() {
        clock.advance(Duration.ofSeconds(1));
        autoscaler.runOnce();
        provider.list().stream().filter(w -> w.phase() == FleetWorker.Phase.UP)
                .forEach(w -> autoscaler.workerReady(w.workerId(), clock.instant()));
    }

    private List<String> versions() {
        return provider.list().stream().map(w -> w.handle().version()).sorted().toList();
    }

    private long ready() {
        return provider.list().stream().filter(w -> w.readyAt() != null && w.phase() == FleetWorker.Phase.UP).count();
    }

    private void patchImage(String image) {
        EndpointSettings now = store.get("ep").orElseThrow();
        store.update(now.withImage(image)).orElseThrow();
    }

    @Test
    void aNewImageReplacesEveryWorkerWithoutDroppingBelowMinReady() {
        pass();
        pass();
        assertThat(versions()).containsExactly("img:a", "img:a");
        assertThat(provider.started).allMatch(s -> "img:a".equals(s.image()));
        String busyOld = provider.list().getFirst().workerId();
        busy.put(busyOld, 1);

        patchImage("img:b");
        for (int i = 0; i < 10; i++) {
            pass();
            assertThat(ready()).as("ready workers at pass " + i).isGreaterThanOrEqualTo(2);
            assertThat(provider.list()).as("surge 1 above 2").hasSizeLessThanOrEqualTo(3);
        }
        assertThat(provider.list()).extracting(FleetWorker::workerId).as("the busy old worker finishes first")
                .contains(busyOld);
        RolloutStatus rolling = store.rollout("ep").orElseThrow();
        assertThat(rolling.state()).isEqualTo(RolloutStatus.State.ROLLING);
        assertThat(rolling.fromVersion()).isEqualTo("img:a");
        assertThat(rolling.toVersion()).isEqualTo("img:b");
        assertThat(rolling.oldWorkers()).isEqualTo(1);

        busy.clear();
        for (int i = 0; i < 5; i++) {
            pass();
            assertThat(ready()).isGreaterThanOrEqualTo(2);
        }
        assertThat(versions()).containsExactly("img:b", "img:b");
        assertThat(store.rollout("ep").orElseThrow().state()).isEqualTo(RolloutStatus.State.DONE);
    }

    /**
     * The interleaving behind a momentary dip to 1 ready worker (minWorkers 2) in the end-to-end roll-out: the
     * replacement of the second old worker starts slowly, and meanwhile the two ready workers (one new, one old)
     * pass the idle timeout. The scaling policy, run with the roll-out's widened max (max + surge = 3 live), wants
     * 2 and counts the starting worker as one of them, so it stops an idle ready worker: 1 ready until the
     * replacement is up. During a roll-out only the roll-out's rules may stop a ready worker.
     */
    @Test
    void anIdleTimeoutWhileTheReplacementStartsNeverLeavesFewerThanMinWorkersReady() {
        EndpointSettings seeded = store.get("ep").orElseThrow();
        store.update(seeded.withScaling(2, 2, Duration.ofSeconds(30), "REQUEST_COUNT", 10, 1)).orElseThrow();
        pass();
        pass();
        assertThat(ready()).isEqualTo(2);

        patchImage("img:b");
        passReadyOnly(List.of()); // starts the first new worker (surge 1)
        autoscaler.workerReady(newWorkers().getFirst(), clock.instant());
        passReadyOnly(List.of()); // it is ready: an old worker is stopped
        passReadyOnly(List.of()); // the second new worker starts, and takes its time
        assertThat(newWorkers()).hasSize(2);
        assertThat(versions()).containsExactly("img:a", "img:b", "img:b");
        for (int i = 0; i < 45; i++) { // past the 30 s idle timeout, within the 60 s init timeout
            passReadyOnly(List.of());
            assertThat(ready()).as("ready workers %d s into the second replacement's start", i + 1)
                    .isGreaterThanOrEqualTo(2);
        }
        passReadyOnly(newWorkers());
        for (int i = 0; i < 3; i++) {
            passReadyOnly(List.of());
            assertThat(ready()).isGreaterThanOrEqualTo(2);
        }
        assertThat(versions()).containsExactly("img:b", "img:b");
    }

    /** One pass a second later; only the named workers become ready after it. */
    private void passReadyOnly(List<String> becomeReady) {
        clock.advance(Duration.ofSeconds(1));
        autoscaler.runOnce();
        becomeReady.forEach(id -> autoscaler.workerReady(id, clock.instant()));
    }

    private List<String> newWorkers() {
        return provider.list().stream().filter(w -> w.handle().version().equals("img:b")).map(FleetWorker::workerId)
                .toList();
    }

    @Test
    void aVersionWhoseWorkersNeverBecomeReadyHaltsAndARollbackResumes() {
        pass();
        pass();
        provider.breakImage("img:c");
        patchImage("img:c");
        for (int i = 0; i < 40; i++) {
            pass();
            assertThat(ready()).isGreaterThanOrEqualTo(2);
        }
        RolloutStatus halted = store.rollout("ep").orElseThrow();
        assertThat(halted.state()).isEqualTo(RolloutStatus.State.HALTED);
        assertThat(halted.failures()).isEqualTo(3);
        assertThat(halted.reason()).contains("img:c").contains("exited with code 1").contains("roll back");
        long cStarts = provider.started.stream().filter(s -> "img:c".equals(s.image())).count();
        assertThat(cStarts).as("no new-version start after the halt").isEqualTo(3);
        assertThat(versions()).containsExactly("img:a", "img:a");

        // a halted endpoint that needs a replacement starts the previous image
        provider.stop(provider.list().getFirst().handle(), Duration.ZERO);
        for (int i = 0; i < 10; i++) {
            pass();
        }
        assertThat(versions()).containsExactly("img:a", "img:a");

        patchImage("img:a");
        pass();
        assertThat(store.rollout("ep").orElseThrow().state()).isEqualTo(RolloutStatus.State.DONE);
        assertThat(store.rollout("ep").orElseThrow().toVersion()).isEqualTo("img:a");
    }

    @Test
    void scalingSettingsChangedInTheStoreTakeEffectAtTheNextPass() {
        pass();
        pass();
        assertThat(provider.list()).hasSize(2);
        EndpointSettings now = store.get("ep").orElseThrow();
        store.update(now.withScaling(3, 4, now.idleTimeout(), "QUEUE_DELAY", 4, 1)).orElseThrow();
        pass();
        assertThat(provider.list()).hasSize(3);
    }
}
