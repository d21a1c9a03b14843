package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Which stopped workers get their jobs handed back, and when: only those stopped on purpose, once they are gone. */
class HandBackOnStopTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** Workers as entries; a stop completes only when the test says the worker is gone. */
    private static final class Workers implements WorkerProvider {
        final Map<String, FleetWorker> listed = new ConcurrentHashMap<>();
        final Map<String, CompletableFuture<Void>> stopping = new ConcurrentHashMap<>();
        boolean closed;

        void add(String id, FleetWorker.Phase phase) {
            listed.put(id, new FleetWorker(new WorkerHandle(id, "ep", "fake", "here", "v1"), phase, T0, null,
                    phase == FleetWorker.Phase.EXITED ? T0 : null, phase == FleetWorker.Phase.EXITED ? 1 : null));
        }

        @Override public String name() { return "fake"; }
        @Override public WorkerHandle start(WorkerSpec spec) { throw new UnsupportedOperationException(); }
        @Override public List<FleetWorker> list() { return List.copyOf(listed.values()); }
        @Override public boolean markReady(String workerId, Instant at) { return false; }

        @Override
        public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
            return stopping.computeIfAbsent(handle.workerId(), id -> new CompletableFuture<>());
        }

        @Override
        public void close() {
            closed = true;
            listed.clear();
        }
    }

    private final Workers workers = new Workers();
    private final List<String> handedBack = new CopyOnWriteArrayList<>();
    private final HandBackOnStop provider = new HandBackOnStop(workers, id -> {
        handedBack.add(id);
        return List.of();
    });

    private WorkerHandle handle(String id) {
        return workers.listed.get(id).handle();
    }

    @Test
    void aWorkerStoppedOnPurposeHasItsJobsHandedBackOnceItIsGone() {
        workers.add("w1", FleetWorker.Phase.UP);
        CompletableFuture<Void> gone = provider.stop(handle("w1"), Duration.ofSeconds(1));
        assertThat(handedBack).as("not while it may still report").isEmpty();

        workers.stopping.get("w1").complete(null);
        assertThat(gone).isCompleted();
        assertThat(handedBack).containsExactly("w1");
    }

    @Test
    void aWorkerThatExitedOnItsOwnLeavesItsJobsToTheirLeases() {
        workers.add("crashed", FleetWorker.Phase.EXITED);
        provider.stop(handle("crashed"), Duration.ofSeconds(1));
        workers.stopping.get("crashed").complete(null);
        assertThat(handedBack).as("its job may be what killed it: it counts a retry").isEmpty();
    }

    @Test
    void aStopThatFailedHandsNothingBack() {
        workers.add("w1", FleetWorker.Phase.UP);
        provider.stop(handle("w1"), Duration.ofSeconds(1));
        workers.stopping.get("w1").completeExceptionally(new IllegalStateException("pod could not be deleted"));
        assertThat(handedBack).as("it may still run").isEmpty();
    }

    @Test
    void closingStopsEveryWorkerThenHandsBackThoseThatWereUp() {
        workers.add("up", FleetWorker.Phase.UP);
        workers.add("stopping", FleetWorker.Phase.STOPPING);
        workers.add("crashed", FleetWorker.Phase.EXITED);
        provider.close();
        assertThat(workers.closed).isTrue();
        assertThat(handedBack).containsExactlyInAnyOrder("up", "stopping");
    }

    @Test
    void aHandBackThatFailsLeavesTheJobsToTheirLeases() {
        HandBackOnStop failing = new HandBackOnStop(workers, id -> {
            throw new IllegalStateException("database went away (test)");
        });
        workers.add("w1", FleetWorker.Phase.UP);
        CompletableFuture<Void> gone = failing.stop(handle("w1"), Duration.ofSeconds(1));
        workers.stopping.get("w1").complete(null);
        assertThat(gone).as("the stop itself succeeded").isCompletedWithValue(null);
    }
}
