package io.comfyfleet.gateway.admission;

import io.comfyfleet.core.endpoint.EndpointSettingsStore;
import io.comfyfleet.core.endpoint.RolloutStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * An endpoint's current version when an operator rolled one out: the roll-out's target ({@code toVersion}) while it
 * rolls and once it is done, since new jobs will run on it; the version it replaces while it is halted (its workers
 * failed, the old ones serve). Without a roll-out the {@code fallback} answers (the latest reported version). Read
 * from the store (shared by every gateway) at most once per {@code refresh} per endpoint, so admitting a job costs
 * no database read on most calls.
 */
public final class RolloutTargetVersion implements CurrentVersion {
    private record Cached(Optional<String> version, Instant readAt) {}

    private final EndpointSettingsStore settings;
    private final CurrentVersion fallback;
    private final Clock clock;
    private final Duration refresh;
    private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();

    public RolloutTargetVersion(EndpointSettingsStore settings, CurrentVersion fallback, Clock clock,
            Duration refresh) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.refresh = Objects.requireNonNull(refresh, "refresh");
    }

    @Override
    public Optional<String> of(String endpoint) {
        Instant now = clock.instant();
        Cached cached = cache.get(endpoint);
        if (cached == null || !now.isBefore(cached.readAt().plus(refresh))) {
            cached = new Cached(settings.rollout(endpoint).map(RolloutTargetVersion::serving), now);
            cache.put(endpoint, cached);
        }
        return cached.version().isPresent() ? cached.version() : fallback.of(endpoint);
    }

    /** The version new jobs of a roll-out will run on; empty when it names none (the fallback decides). */
    private static String serving(RolloutStatus rollout) {
        return rollout.state() == RolloutStatus.State.HALTED ? rollout.fromVersion() : rollout.toVersion();
    }
}
