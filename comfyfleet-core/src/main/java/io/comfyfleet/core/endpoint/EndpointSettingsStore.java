package io.comfyfleet.core.endpoint;

import java.util.List;
import java.util.Optional;

/**
 * Endpoint settings and roll-out progress, shared by every gateway on one database. Thread-safe. A failure of the
 * database gives {@link io.comfyfleet.core.job.JobStoreException}.
 */
public interface EndpointSettingsStore {

    /** The endpoint's settings; empty when never seeded. */
    Optional<EndpointSettings> get(String endpoint);

    /** Every endpoint's settings, by name. */
    List<EndpointSettings> all();

    /**
     * Stores {@code seed} (at revision 1) unless the endpoint has a row already.
     *
     * @return true when it was stored, false when a row existed (which is left as it is)
     */
    boolean seed(EndpointSettings seed);

    /**
     * Replaces the endpoint's settings when they are still at {@code settings.revision()}; the stored row gets the
     * next revision.
     *
     * @return the stored settings, or empty when another change came first (read again and retry)
     */
    Optional<EndpointSettings> update(EndpointSettings settings);

    /** The endpoint's roll-out as last written; empty when none was written. */
    Optional<RolloutStatus> rollout(String endpoint);

    /** Writes the endpoint's roll-out status, replacing the previous one. */
    void saveRollout(RolloutStatus status);
}
