package io.comfyfleet.core.lease;

import java.time.Instant;
import java.util.Optional;

/**
 * Named leases in the job store's database, for work only one gateway may do at a time (the control loop). Each
 * method is one atomic statement. Times come from the caller's clock: gateways sharing a database need clocks
 * kept in step (NTP) to well under a lease's length.
 */
public interface LeaseStore {

    /**
     * Takes the lease when nobody holds it or its holder let it expire (at or before {@code now}): the token then
     * grows by one (1 for a lease never held). Empty when another holder's lease is still running; a holder that
     * still holds it gets empty too (it renews instead).
     */
    Optional<Lease> acquire(String name, String holder, Instant now, Instant until);

    /**
     * Extends the lease to {@code until} if {@code lease}'s holder and token are still the stored ones; false
     * when another holder took it over since (the caller must stop acting at once). A lease that expired
     * without being taken over is still renewed: nobody else held it in between.
     */
    boolean renew(Lease lease, Instant until);

    /** Gives the lease up (its expiry set to the epoch) when still held with this token, so another takes over at once. */
    void release(Lease lease);

    /** The lease as stored now, held or expired; empty when never taken. */
    Optional<Lease> current(String name);
}
