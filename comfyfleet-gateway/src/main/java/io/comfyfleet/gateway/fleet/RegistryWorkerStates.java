package io.comfyfleet.gateway.fleet;

import io.comfyfleet.fleet.autoscale.WorkerActivity;
import io.comfyfleet.fleet.autoscale.WorkerStates;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.dispatch.WorkerSnapshot;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** The autoscaler's view of what the gateway heard from an endpoint's workers, read from the worker registry. */
public final class RegistryWorkerStates implements WorkerStates {
    private final WorkerRegistry registry;

    public RegistryWorkerStates(WorkerRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Map<String, WorkerActivity> activity(String endpoint) {
        Map<String, WorkerActivity> result = new HashMap<>();
        for (WorkerSnapshot w : registry.snapshot(endpoint)) {
            // a worker that was busy when last heard of has no idleSince; an idle one always has one
            var idleSince = w.jobs() == 0 && w.idleSince() == null ? w.lastSeen() : w.idleSince();
            result.put(w.workerId(), new WorkerActivity(w.jobs(), w.lastSeen(), idleSince, w.unhealthy(),
                    w.stopRequested()));
        }
        return result;
    }
}
