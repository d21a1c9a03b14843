package io.comfyfleet.core.endpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Endpoint settings in memory, for a store without a database of its own (tests, fakes): lost at exit, seen by
 * this process only.
 */
public final class InMemoryEndpointSettings implements EndpointSettingsStore {
    private final Map<String, EndpointSettings> settings = new TreeMap<>();
    private final Map<String, RolloutStatus> rollouts = new TreeMap<>();

    @Override
    public synchronized Optional<EndpointSettings> get(String endpoint) {
        return Optional.ofNullable(settings.get(endpoint));
    }

    @Override
    public synchronized List<EndpointSettings> all() {
        return new ArrayList<>(settings.values());
    }

    @Override
    public synchronized boolean seed(EndpointSettings seed) {
        return settings.putIfAbsent(seed.endpoint(), seed.at(1, seed.updatedAt())) == null;
    }

    @Override
    public synchronized Optional<EndpointSettings> update(EndpointSettings s) {
        EndpointSettings current = settings.get(s.endpoint());
        if (current == null || current.revision() != s.revision()) {
            return Optional.empty();
        }
        EndpointSettings stored = s.at(s.revision() + 1, s.updatedAt());
        settings.put(s.endpoint(), stored);
        return Optional.of(stored);
    }

    @Override
    public synchronized Optional<RolloutStatus> rollout(String endpoint) {
        return Optional.ofNullable(rollouts.get(endpoint));
    }

    @Override
    public synchronized void saveRollout(RolloutStatus status) {
        rollouts.put(status.endpoint(), status);
    }
}
