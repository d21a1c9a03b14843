package io.comfyfleet.gateway.dispatch;

import java.time.Instant;
import java.util.Objects;

/**
 * A worker this gateway's provider started and nobody has heard from yet, as shared with the other gateways (so
 * their {@code /health} counts it as initializing).
 *
 * @param version the version it will announce; null when unknown
 */
public record StartingWorker(String endpoint, String workerId, Instant startedAt, String version) {
    public StartingWorker {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(startedAt, "startedAt");
    }
}
