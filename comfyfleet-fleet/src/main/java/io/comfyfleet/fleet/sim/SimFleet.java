package io.comfyfleet.fleet.sim;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The worker provider the autoscaler drives in a simulation: a start creates a worker that becomes ready after a
 * cold start drawn from the model; a stop ends an idle or starting worker at once and a running one when its job
 * ends (the autoscaler never stops running workers, but a roll-out could).
 */
final class SimFleet implements WorkerProvider {
    private final SimClock clock;
    private final ColdStartModel coldStart;
    private final RandomGenerator random;
    private final Consumer<SimWorker> onStart;
    private final Map<String, SimWorker> live = new LinkedHashMap<>();
    private final List<SimWorker> all = new ArrayList<>();
    private final Map<String, Instant> markedReady = new LinkedHashMap<>();

    SimFleet(SimClock clock, ColdStartModel coldStart, RandomGenerator random, Consumer<SimWorker> onStart) {
        this.clock = clock;
        this.coldStart = coldStart;
        this.random = random;
        this.onStart = onStart;
    }

    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public WorkerHandle start(WorkerSpec spec) {
        if (live.containsKey(spec.workerId())) {
            throw new IllegalArgumentException("worker " + spec.workerId() + " is live already");
        }
        Instant now = clock.instant();
        double c = coldStart.next(random);
        SimWorker w = new SimWorker(spec.workerId(), spec.endpoint(), now, now.plusNanos(Math.round(c * 1e9)));
        live.put(w.id, w);
        all.add(w);
        onStart.accept(w);
        return handle(w);
    }

    @Override
    public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        SimWorker w = live.get(handle.workerId());
        if (w != null) {
            if (w.job == null) {
                end(w);
            } else {
                w.stopping = true;
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The worker is gone now: billing ends. */
    void end(SimWorker w) {
        w.stoppedAt = clock.instant();
        live.remove(w.id);
    }

    @Override
    public List<FleetWorker> list() {
        List<FleetWorker> out = new ArrayList<>(live.size());
        for (SimWorker w : live.values()) {
            out.add(new FleetWorker(handle(w), w.stopping ? FleetWorker.Phase.STOPPING : FleetWorker.Phase.UP,
                    w.startedAt, markedReady.get(w.id), null, null));
        }
        return out;
    }

    @Override
    public boolean markReady(String workerId, Instant at) {
        return live.containsKey(workerId) && markedReady.putIfAbsent(workerId, at) == null;
    }

    @Override
    public void close() {
        List.copyOf(live.values()).forEach(this::end);
    }

    SimWorker worker(String id) {
        return live.get(id);
    }

    List<SimWorker> live() {
        return List.copyOf(live.values());
    }

    /** Every worker ever started, in start order. */
    List<SimWorker> all() {
        return all;
    }

    private static WorkerHandle handle(SimWorker w) {
        return new WorkerHandle(w.id, w.endpoint, "simulated", "sim", "sim");
    }
}
