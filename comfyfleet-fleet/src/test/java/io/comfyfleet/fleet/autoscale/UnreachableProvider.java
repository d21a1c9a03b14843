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

/** A provider whose backend cannot be reached (think: the Kubernetes API is down): every call fails. */
final class UnreachableProvider implements WorkerProvider {
    private static ProviderException down() {
        return new ProviderException(null, null, "backend unreachable (test)", null);
    }

    @Override
    public String name() {
        return "unreachable";
    }

    @Override
    public WorkerHandle start(WorkerSpec spec) {
        throw down();
    }

    @Override
    public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        throw down();
    }

    @Override
    public List<FleetWorker> list() {
        throw down();
    }

    @Override
    public boolean markReady(String workerId, Instant at) {
        throw down();
    }

    @Override
    public void close() {}
}
