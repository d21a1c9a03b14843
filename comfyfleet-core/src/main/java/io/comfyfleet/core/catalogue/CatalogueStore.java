package io.comfyfleet.core.catalogue;

import java.time.Instant;
import java.util.Optional;

/**
 * Node catalogues (ComfyUI's {@code /object_info} bodies) that workers reported, kept in the job store so they
 * survive a restart and are shared by every gateway on the same database.
 *
 * <p>A body is stored once per digest (the lower-case hex SHA-256 of its bytes, which the caller has checked);
 * each (endpoint, worker version) points at the digest its workers reported last. A failure of the database
 * gives {@link io.comfyfleet.core.job.JobStoreException}.
 */
public interface CatalogueStore {
    /** Which catalogue a version of an endpoint's workers has, and when a worker last said so. */
    record VersionCatalogue(String endpoint, String version, String digest, Instant reportedAt) {}

    /** True when a body with this digest is stored. */
    boolean hasBody(String digest);

    /** Stores a body under its digest; a body already stored under it is kept (same digest, same bytes). */
    void putBody(String digest, byte[] body, Instant now);

    /** The body stored under the digest. */
    Optional<byte[]> body(String digest);

    /**
     * Records that workers of {@code version} of the endpoint report the catalogue {@code digest} (whose body
     * must be stored), replacing what that version reported before.
     */
    void recordVersion(String endpoint, String version, String digest, Instant now);

    /** The catalogue of one version of the endpoint, if a worker of it reported one. */
    Optional<VersionCatalogue> version(String endpoint, String version);

    /** The version of the endpoint whose catalogue was reported last (ties: the greater version text). */
    Optional<VersionCatalogue> latest(String endpoint);
}
