package io.comfyfleet.gateway.ratelimit;

import io.comfyfleet.core.ComfyFleetException;
import java.time.Duration;

/** A client key sent more requests than its endpoint's rate limit allows (HTTP 429 with Retry-After). */
public final class RateLimitedException extends ComfyFleetException {
    private final String endpoint;
    private final Duration retryAfter;

    RateLimitedException(String endpoint, Duration retryAfter, String message) {
        super(message);
        this.endpoint = endpoint;
        this.retryAfter = retryAfter;
    }

    public String endpoint() {
        return endpoint;
    }

    /** How long until the key's next request would be accepted. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@link #retryAfter()} as the whole seconds of a {@code Retry-After} header, rounded up, at least 1. */
    public long retryAfterSeconds() {
        return wholeSeconds(retryAfter);
    }

    static long wholeSeconds(Duration wait) {
        return Math.max(1, (wait.toNanos() + 999_999_999L) / 1_000_000_000L);
    }
}
