package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.ProviderException;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A provider that runs nothing and refuses every start with its reason, as an engine that cannot create a container. */
final class RefusingProvider implements WorkerProvider {
    static final String REASON = "could not start worker: the container engine refused to create its container";

    /** The starts asked for, each refused. */
    final java.util.concurrent.atomic.AtomicInteger starts = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public String name() {
        return "refusing";
    }

    @Override
    public WorkerHandle start(WorkerSpec spec) {
        starts.incrementAndGet();
        throw new ProviderException(spec.endpoint(), spec.workerId(), REASON,
                new IllegalStateException("Status 500: engine says no"));
    }

    @Override
    public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public List<FleetWorker> list() {
        return List.of();
    }

    @Override
    public boolean markReady(String workerId, Instant at) {
        return false;
    }

    @Override
    public void close() {}
}
