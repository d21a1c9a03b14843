package io.comfyfleet.gateway.admission;

import io.comfyfleet.core.catalogue.CatalogueStore;
import io.comfyfleet.core.catalogue.CatalogueStore.VersionCatalogue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The first rule for an endpoint's current version: the version whose worker reported its catalogue last. Read
 * from the store (so every gateway on a shared database agrees) at most once per {@code refresh} per endpoint;
 * a report through this gateway is seen at once.
 */
final class LatestReportedVersion implements CurrentVersion {
    private record Cached(Optional<String> version, Instant readAt) {}

    private final CatalogueStore store;
    private final Clock clock;
    private final Duration refresh;
    private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();

    LatestReportedVersion(CatalogueStore store, Clock clock, Duration refresh) {
        this.store = store;
        this.clock = clock;
        this.refresh = refresh;
    }

    @Override
    public Optional<String> of(String endpoint) {
        Instant now = clock.instant();
        Cached cached = cache.get(endpoint);
        if (cached == null || !now.isBefore(cached.readAt().plus(refresh))) {
            cached = new Cached(store.latest(endpoint).map(VersionCatalogue::version), now);
            cache.put(endpoint, cached);
        }
        return cached.version();
    }

    /** A worker of the endpoint reported through this gateway just now. */
    void reported(String endpoint, String version) {
        cache.put(endpoint, new Cached(Optional.of(version), clock.instant()));
    }
}
