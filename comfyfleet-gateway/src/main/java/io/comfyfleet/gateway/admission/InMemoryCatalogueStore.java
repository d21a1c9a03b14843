package io.comfyfleet.gateway.admission;

import io.comfyfleet.core.catalogue.CatalogueStore;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Catalogues for a job store that keeps none: they live as long as the gateway, and workers report again. */
public final class InMemoryCatalogueStore implements CatalogueStore {
    private final ConcurrentMap<String, byte[]> bodies = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, VersionCatalogue> versions = new ConcurrentHashMap<>();

    @Override
    public boolean hasBody(String digest) {
        return bodies.containsKey(digest);
    }

    @Override
    public void putBody(String digest, byte[] body, Instant now) {
        bodies.putIfAbsent(digest, body.clone());
    }

    @Override
    public Optional<byte[]> body(String digest) {
        return Optional.ofNullable(bodies.get(digest)).map(byte[]::clone);
    }

    @Override
    public void recordVersion(String endpoint, String version, String digest, Instant now) {
        versions.put(endpoint + '\u0000' + version, new VersionCatalogue(endpoint, version, digest, now));
    }

    @Override
    public Optional<VersionCatalogue> version(String endpoint, String version) {
        return Optional.ofNullable(versions.get(endpoint + '\u0000' + version));
    }

    @Override
    public Optional<VersionCatalogue> latest(String endpoint) {
        return versions.values().stream().filter(v -> v.endpoint().equals(endpoint))
                .max(Comparator.comparing(VersionCatalogue::reportedAt).thenComparing(VersionCatalogue::version));
    }
}
