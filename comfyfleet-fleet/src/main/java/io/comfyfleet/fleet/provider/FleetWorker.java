package io.comfyfleet.fleet.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A worker as its provider sees it now: where it runs, whether it is up, and how long it took to become ready.
 *
 * @param handle    its identity
 * @param phase     up, being stopped, or exited on its own
 * @param startedAt when its process or pod was created
 * @param readyAt   when it first asked the gateway for a job ({@link WorkerProvider#markReady}); null until then
 * @param exitedAt  when it exited on its own ({@link Phase#EXITED}); null otherwise
 * @param exitCode  its exit code when it exited on its own and the provider knows it; null otherwise
 */
public record FleetWorker(WorkerHandle handle, Phase phase, Instant startedAt, Instant readyAt, Instant exitedAt,
        Integer exitCode) {

    /** Where a worker is in its life, from its provider's point of view (the gateway knows whether it is busy). */
    public enum Phase {
        /** Its process or pod exists. */
        UP,
        /** A stop was asked for; it will be gone within the grace period plus a moment. */
        STOPPING,
        /** It ended without being asked: crashed, or quit. It stays listed until stopped, so it can be counted. */
        EXITED
    }

    public FleetWorker {
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    public String workerId() {
        return handle.workerId();
    }

    public String endpoint() {
        return handle.endpoint();
    }

    /** The cold start: from the start of its process until it first asked for a job; empty until it did. */
    public Optional<Duration> coldStart() {
        return readyAt == null ? Optional.empty() : Optional.of(Duration.between(startedAt, readyAt));
    }
}
