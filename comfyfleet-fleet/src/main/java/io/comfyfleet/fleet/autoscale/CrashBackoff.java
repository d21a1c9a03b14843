package io.comfyfleet.fleet.autoscale;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Holds back starts on an endpoint whose workers keep failing before they become ready (a bad image, a missing
 * model), or whose starts the provider refuses: 1 s after the first failure, doubling up to 5 minutes. Without it a
 * crash-looping worker is replaced on every pass, which burns a GPU slot and floods the log. A worker that becomes
 * ready clears the endpoint's count.
 */
final class CrashBackoff {
    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration LONGEST = Duration.ofMinutes(5);

    private record State(int failures, Instant until) {}

    private final Map<String, State> byEndpoint = new HashMap<>();

    /** Counts {@code failed} more failures at {@code now}; returns the time starts may resume. */
    synchronized Instant failed(String endpoint, int failed, Instant now) {
        State old = byEndpoint.get(endpoint);
        int n = (old == null ? 0 : old.failures()) + failed;
        Duration wait = FIRST.multipliedBy(1L << Math.min(n - 1, 20));
        if (wait.compareTo(LONGEST) > 0) {
            wait = LONGEST;
        }
        Instant until = now.plus(wait);
        byEndpoint.put(endpoint, new State(n, until));
        return until;
    }

    synchronized void recovered(String endpoint) {
        byEndpoint.remove(endpoint);
    }

    /** When starts may resume, if they are held back at {@code now}. */
    synchronized Optional<Instant> heldUntil(String endpoint, Instant now) {
        State s = byEndpoint.get(endpoint);
        return s != null && s.until().isAfter(now) ? Optional.of(s.until()) : Optional.empty();
    }

    synchronized int failures(String endpoint) {
        State s = byEndpoint.get(endpoint);
        return s == null ? 0 : s.failures();
    }
}
