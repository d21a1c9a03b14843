package io.comfyfleet.gateway.ratelimit;

import io.comfyfleet.gateway.config.ApiKeys;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.RateLimit;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key rate limits of the client API: one token bucket (Bucket4j) per endpoint, route group and client key.
 *
 * <p>Called after the key was authorized, so only configured keys ever get a bucket and the map stays as
 * small as the configuration. Buckets are keyed by the key's SHA-256, so no key text is kept here.
 */
public final class ClientRateLimiter {
    /** Which of an endpoint's limits a route counts against. */
    public enum Group {
        /** run, runsync, retry, cancel, purge-queue: the endpoint's {@code rateLimit}. */
        WRITE,
        /** status, status-sync, stream, health: the endpoint's {@code statusRateLimit}. */
        READ
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final RateLimitMetrics metrics;

    public ClientRateLimiter() {
        this(RateLimitMetrics.NONE);
    }

    /** @param metrics told of each refused request */
    public ClientRateLimiter(RateLimitMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * Takes one request from the key's budget, or refuses it.
     *
     * @param key the client key as presented (already authorized for {@code endpoint})
     * @throws RateLimitedException when the budget is spent, with the time until the next request is allowed
     */
    public void acquire(EndpointConfig endpoint, Group group, String key) {
        Optional<RateLimit> limit = group == Group.WRITE ? endpoint.rateLimit() : endpoint.statusRateLimit();
        if (limit.isEmpty()) {
            return;
        }
        RateLimit rate = limit.get();
        Bucket bucket = buckets.computeIfAbsent(endpoint.name() + "/" + group + "/" + ApiKeys.fingerprint(key), k -> bucket(rate));
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            metrics.refused(endpoint.name(), group);
            Duration wait = Duration.ofNanos(probe.getNanosToWaitForRefill());
            throw new RateLimitedException(endpoint.name(), wait, "this key sent more than "
                    + format(rate.requestsPerSecond()) + " requests per second (burst " + rate.burst() + ") to the "
                    + group.name().toLowerCase(Locale.ROOT) + " routes of endpoint " + endpoint.name()
                    + "; retry after " + RateLimitedException.wholeSeconds(wait) + " s or send requests more slowly");
        }
    }

    private static Bucket bucket(RateLimit rate) {
        // one token per period refills smoothly and also works for rates below one per second
        Duration period = Duration.ofNanos(Math.max(1, Math.round(1e9 / rate.requestsPerSecond())));
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(rate.burst()).refillGreedy(1, period))
                .build();
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
