package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Another provider, counting the calls of {@link #list()}: the local one walks the process table on each. */
final class ListCountingProvider implements WorkerProvider {
    private final WorkerProvider provider;
    final AtomicInteger lists = new AtomicInteger();

    ListCountingProvider(WorkerProvider provider) {
        this.provider = provider;
    }

    @Override
    public String name() {
        return provider.name();
    }

    @Override
    public WorkerHandle start(WorkerSpec spec) {
        return provider.start(spec);
    }

    @Override
    public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        return provider.stop(handle, grace);
    }

    @Override
    public List<FleetWorker> list() {
        lists.incrementAndGet();
        return provider.list();
    }

    @Override
    public Optional<FleetWorker> find(String workerId) {
        return provider.find(workerId);
    }

    @Override
    public boolean markReady(String workerId, Instant at) {
        return provider.markReady(workerId, at);
    }

    @Override
    public void close() {
        provider.close();
    }
}
