package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A provider that lists what the test puts in {@link #workers} and starts and stops nothing. */
final class ListedWorkers implements WorkerProvider {
    final List<FleetWorker> workers = new ArrayList<>();

    @Override
    public String name() {
        return "listed";
    }

    @Override
    public WorkerHandle start(WorkerSpec spec) {
        throw new UnsupportedOperationException("this test starts no worker");
    }

    @Override
    public CompletableFuture<Void> stop(WorkerHandle handle, Duration grace) {
        throw new UnsupportedOperationException("this test stops no worker");
    }

    @Override
    public List<FleetWorker> list() {
        return List.copyOf(workers);
    }

    @Override
    public boolean markReady(String workerId, Instant at) {
        return false;
    }

    @Override
    public void close() {}
}
