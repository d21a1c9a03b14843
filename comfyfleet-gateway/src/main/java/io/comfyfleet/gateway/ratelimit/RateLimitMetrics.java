package io.comfyfleet.gateway.ratelimit;

/** Told of every request the rate limiter refuses (the gateway's metrics count them per endpoint). */
@FunctionalInterface
public interface RateLimitMetrics {
    RateLimitMetrics NONE = (endpoint, group) -> { };

    void refused(String endpoint, ClientRateLimiter.Group group);
}
