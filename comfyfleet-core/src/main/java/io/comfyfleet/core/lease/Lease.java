package io.comfyfleet.core.lease;

import java.time.Instant;
import java.util.Objects;

/**
 * A lease as its holder got it: {@code token} grows at every take-over, so a holder whose token is no longer the
 * stored one has lost the lease even if it never noticed (fencing).
 */
public record Lease(String name, String holder, long token, Instant expiresAt) {
    public Lease {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
