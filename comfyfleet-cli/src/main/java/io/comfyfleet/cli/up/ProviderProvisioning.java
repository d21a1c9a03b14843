package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.gateway.dispatch.ProvidedWorker;
import io.comfyfleet.gateway.dispatch.ProvisionedCounts;
import io.comfyfleet.gateway.dispatch.ProvisioningView;
import io.comfyfleet.gateway.dispatch.StartingWorker;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health}'s view of the provider's workers as they are now (not as of the autoscaler's last pass): a
 * worker is initializing from its start until its first job-take, which is also the moment the registry starts
 * counting it, so no worker is counted twice or missed; a worker being stopped, or gone, stops counting at once
 * rather than when the registry's liveness window runs out.
 */
final class ProviderProvisioning implements ProvisioningView {
    private static final Logger log = LoggerFactory.getLogger(ProviderProvisioning.class);
    private final WorkerProvider provider;
    /** Ids of every worker this provider was seen running: once it no longer lists one, that worker is gone. */
    private final Set<String> started = ConcurrentHashMap.newKeySet();

    public ProviderProvisioning(WorkerProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    @Override
    public ProvisionedCounts counts(String endpoint) {
        int initializing = 0;
        int failed = 0;
        Set<String> live = new HashSet<>();
        Set<String> counted = new HashSet<>();
        try {
            for (FleetWorker w : provider.list()) {
                started.add(w.workerId());
                if (!w.endpoint().equals(endpoint)) {
                    live.add(w.workerId());
                    continue;
                }
                switch (w.phase()) {
                    case UP -> {
                        live.add(w.workerId());
                        if (w.readyAt() == null) {
                            initializing++;
                            counted.add(w.workerId());
                        }
                    }
                    case EXITED -> {
                        failed++;
                        counted.add(w.workerId());
                    }
                    case STOPPING -> counted.add(w.workerId());
                }
            }
        } catch (RuntimeException e) {
            // /health must answer even when the provider cannot be read; its workers are then simply not shown
            log.warn("could not list the workers of provider {} for endpoint {}", provider.name(), endpoint, e);
            return ProvisionedCounts.NONE;
        }
        for (String id : started) {
            if (!live.contains(id)) {
                counted.add(id);
            }
        }
        return new ProvisionedCounts(initializing, 0, failed, counted);
    }

    @Override
    public java.util.Map<String, ProvidedWorker> workers(String endpoint) {
        java.util.Map<String, ProvidedWorker> result = new java.util.HashMap<>();
        try {
            Set<String> listed = new HashSet<>();
            for (FleetWorker w : provider.list()) {
                started.add(w.workerId());
                listed.add(w.workerId());
                if (!w.endpoint().equals(endpoint)) {
                    continue;
                }
                String state = switch (w.phase()) {
                    case UP -> w.readyAt() == null ? "starting" : "up";
                    case STOPPING -> "stopping";
                    case EXITED -> "exited";
                };
                result.put(w.workerId(), new ProvidedWorker(state, w.startedAt(),
                        provider.problem(w.workerId()).orElse(null)));
            }
            // gone: no endpoint is known any more; the dashboard only shows those the gateway still lists
            for (String id : started) {
                if (!listed.contains(id)) {
                    result.put(id, new ProvidedWorker("stopped", null));
                }
            }
        } catch (RuntimeException e) {
            log.warn("could not list the workers of provider {} for endpoint {}", provider.name(), endpoint, e);
            return java.util.Map.of();
        }
        return result;
    }

    @Override
    public java.util.List<StartingWorker> starting() {
        try {
            return provider.list().stream()
                    .filter(w -> w.phase() == FleetWorker.Phase.UP && w.readyAt() == null)
                    .map(w -> new StartingWorker(w.endpoint(), w.workerId(), w.startedAt(), w.handle().version()))
                    .toList();
        } catch (RuntimeException e) {
            log.warn("could not list the workers of provider {} to share those starting", provider.name(), e);
            return java.util.List.of();
        }
    }

    @Override
    public boolean isRetired(String workerId) {
        try {
            Optional<FleetWorker> listed = provider.find(workerId);
            if (listed.isPresent()) {
                return listed.get().phase() != FleetWorker.Phase.UP;
            }
        } catch (RuntimeException e) {
            // when the provider cannot be read, the lease remains the safety net
            log.warn("could not list the workers of provider {} to check worker {}", provider.name(), workerId, e);
            return false;
        }
        // started by this provider and no longer listed: gone; never started by it: someone else's worker
        return started.contains(workerId);
    }
}
