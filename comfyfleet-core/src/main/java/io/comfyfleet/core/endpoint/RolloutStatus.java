package io.comfyfleet.core.endpoint;

import java.time.Instant;
import java.util.Objects;

/**
 * Where an endpoint's last roll-out stands, as the autoscaler last wrote it (the admin API and the dashboard show
 * it; any gateway can read it from the store).
 *
 * @param endpoint    the endpoint
 * @param state       rolling, done, or halted
 * @param fromVersion the version being replaced; null when unknown (no worker ran before)
 * @param toVersion   the version being rolled out
 * @param startedAt   when the endpoint's version changed
 * @param oldWorkers  live workers of other versions at the last pass
 * @param newWorkers  live workers of {@code toVersion} at the last pass
 * @param readyNew    of those, the ones taking jobs
 * @param failures    workers of {@code toVersion} that failed before becoming ready
 * @param reason      why it halted (null unless {@link State#HALTED}); names the workers and what they did
 * @param updatedAt   when this was written
 */
public record RolloutStatus(String endpoint, State state, String fromVersion, String toVersion, Instant startedAt,
        int oldWorkers, int newWorkers, int readyNew, int failures, String reason, Instant updatedAt) {

    /** A roll-out's state. */
    public enum State {
        /** Workers of the new version are being started and old ones stopped. */
        ROLLING,
        /** No worker of another version is left. */
        DONE,
        /** Workers of the new version kept failing before they became ready: none are started, old ones serve. */
        HALTED
    }

    public RolloutStatus {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(toVersion, "toVersion");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** Whether two statuses say the same apart from when they were written. */
    public boolean sameAs(RolloutStatus o) {
        return o != null && endpoint.equals(o.endpoint) && state == o.state
                && Objects.equals(fromVersion, o.fromVersion) && toVersion.equals(o.toVersion)
                && startedAt.equals(o.startedAt) && oldWorkers == o.oldWorkers && newWorkers == o.newWorkers
                && readyNew == o.readyNew && failures == o.failures && Objects.equals(reason, o.reason);
    }
}
