package io.comfyfleet.gateway.dispatch;

import java.time.Instant;

/**
 * Told once of each worker another gateway on the same database heard from first, as the worker board shows it
 * (workers reach any gateway when they share one address, as on Kubernetes): its first call there ended its cold
 * start. Called on the board's thread: keep it short and never throw.
 */
@FunctionalInterface
public interface HeardElsewhereListener {
    void heardElsewhere(String endpoint, String workerId, Instant firstSeen);
}
