package io.comfyfleet.fleet.rollout;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Workers that exist only as entries: a worker runs its spec's image as its version; tests make one exit or become
 * ready, and a stopped worker is gone at once. Images listed as broken exit right after their start (a crash loop).
 */
final class FakeProvider implements WorkerProvider {
    private final Clock clock;
    private final Map<String, FleetWorker> workers = new LinkedHashMap<>();
    private final List<String> broken = new ArrayList<>();
    final List<WorkerSpec> started = new ArrayList<>();

    FakeProvider(Clock clock) {
        this.clock = clock;
    }

    synchronized void breakImage(String image) {
        broken.add(image);
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public synchronized WorkerHandle start(WorkerSpec spec) {
        started.add(spec);
        WorkerHandle handle = new WorkerHandle(spec.workerId(), spec.endpoint(), name(), "nowhere",
                spec.image() == null ? "default" : spec.image());
        Instant now = clock.instant();
        boolean crashes = broken.contains(spec.image());
        workers.put(spec.workerId(), new FleetWorker(handle, crashes ? FleetWorker.Phase.EXITED : FleetWorker.Phase.UP,
                now, null, crashes ? now : null, crashes ? 1 : null));
        return handle;
    }

    @Override
    public synchronized CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        workers.remove(handle.workerId());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized List<FleetWorker> list() {
        return List.copyOf(workers.values());
    }

    @Override
    public synchronized boolean markReady(String workerId, Instant at) {
        FleetWorker w = workers.get(workerId);
        if (w == null || w.readyAt() != null) {
            return false;
        }
        workers.put(workerId, new FleetWorker(w.handle(), w.phase(), w.startedAt(), at, null, null));
        return true;
    }

    @Override
    public void close() {
    }
}
