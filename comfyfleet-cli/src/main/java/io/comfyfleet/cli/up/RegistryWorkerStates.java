package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.autoscale.WorkerActivity;
import io.comfyfleet.fleet.autoscale.WorkerStates;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** The autoscaler's view of what the gateway heard from an endpoint's workers, read from the worker registry. */
final class RegistryWorkerStates implements WorkerStates {
    private final WorkerRegistry registry;

    public RegistryWorkerStates(WorkerRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Map<String, WorkerActivity> activity(String endpoint) {
        Map<String, WorkerActivity> result = new HashMap<>();
        registry.snapshot(endpoint).forEach((id, w) -> {
            // WorkerActivity requires idleSince of an idle worker; the registry sets it from the first call on
            var idleSince = w.jobsInProgress() == 0 && w.idleSince() == null ? w.lastSeen() : w.idleSince();
            result.put(id, new WorkerActivity(w.jobsInProgress(), w.lastSeen(), idleSince, w.unhealthy(),
                    w.stopRequested()));
        });
        return result;
    }
}
