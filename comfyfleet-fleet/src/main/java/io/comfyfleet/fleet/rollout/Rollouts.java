package io.comfyfleet.fleet.rollout;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.EndpointSettingsStore;
import io.comfyfleet.core.endpoint.RolloutStatus;
import io.comfyfleet.fleet.autoscale.Versioning;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.fleet.scale.QueueSnapshot;
import io.comfyfleet.fleet.scale.ScalingDecision;
import io.comfyfleet.fleet.scale.ScalingPolicy;
import io.comfyfleet.fleet.scale.WorkerState;
import io.comfyfleet.fleet.scale.WorkerView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls each endpoint's workers over to its image: when the version the provider would run for the endpoint's
 * image ({@link WorkerProvider#versionFor}) differs from the one its workers run, new-version workers are started
 * and old ones stopped as {@link RolloutPolicy} says. Workers of the new version that fail before they ever become
 * ready (exit, stop answering during start-up, cannot be started) are counted; at {@code maxFailures} the roll-out
 * halts: no more new-version workers, the endpoint scales with its previous image, and the reason is written to the
 * store (for {@code GET /admin/endpoints/{ep}} and the dashboard) until the image changes again (a new roll-out or a
 * roll-back). Once one new-version worker became ready, later failures are ordinary crashes, not a halt.
 *
 * <p>Used by one autoscaler; its state lives here and, for other gateways, in the store.
 */
public final class Rollouts implements Versioning {
    private static final Logger log = LoggerFactory.getLogger(Rollouts.class);
    /** Failures of a new version before a roll-out halts, unless told otherwise. */
    public static final int DEFAULT_MAX_FAILURES = 3;

    private final StoredEndpoints endpoints;
    private final EndpointSettingsStore store;
    private final WorkerProvider provider;
    private final int maxFailures;
    private static final ScalingDecision NOTHING = new ScalingDecision(0, List.of(), List.of());
    private final ScalingPolicy scalingPolicy = new ScalingPolicy();
    private final RolloutPolicy policy = new RolloutPolicy();
    private final Map<String, Rollout> rollouts = new ConcurrentHashMap<>();

    /** One endpoint's roll-out to one version. */
    private static final class Rollout {
        final String from;
        final String to;
        final Instant startedAt;
        int replicas = -1;
        boolean proven;
        final Set<String> failed = new LinkedHashSet<>();
        String lastFailure;
        String haltReason;
        RolloutStatus written;

        Rollout(String from, String to, Instant startedAt) {
            this.from = from;
            this.to = to;
            this.startedAt = startedAt;
        }
    }

    /**
     * @param endpoints   the stored settings the autoscaler reads each pass (this reads the same pass's copy)
     * @param maxFailures failures of a new version before its roll-out halts, 1 or more
     */
    public Rollouts(StoredEndpoints endpoints, EndpointSettingsStore store, WorkerProvider provider, int maxFailures) {
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.store = Objects.requireNonNull(store, "store");
        this.provider = Objects.requireNonNull(provider, "provider");
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures must be 1 or more, got " + maxFailures);
        }
        this.maxFailures = maxFailures;
    }

    @Override
    public Plan plan(EndpointScaling scaling, QueueSnapshot queue, List<FleetWorker> workers, List<WorkerView> views,
            Instant now) {
        String endpoint = scaling.endpoint();
        Optional<EndpointSettings> settings = endpoints.latest(endpoint);
        String image = settings.map(EndpointSettings::image).orElse(null);
        String target = provider.versionFor(image);
        if (target == null) {
            return new Plan(scalingPolicy.decide(queue, views, scaling, now), image);
        }
        int surge = settings.map(EndpointSettings::maxSurge).filter(s -> s >= 1)
                .orElse(EndpointSettings.DEFAULT_MAX_SURGE);
        Rollout r = rollout(endpoint, target, workers, views, now);
        countFailures(r, workers, views, now);
        if (r.haltReason == null && !r.proven && r.failed.size() >= maxFailures) {
            r.haltReason = r.failed.size() + " worker(s) of version " + target + " failed before becoming ready (last: "
                    + r.lastFailure + "); the roll-out is halted and workers of the previous version keep serving:"
                    + " roll out another image or roll back";
            log.error("endpoint {}: {}", endpoint, r.haltReason);
        }
        List<RolloutPolicy.VersionedWorker> versioned = new ArrayList<>();
        for (int i = 0; i < workers.size(); i++) {
            versioned.add(new RolloutPolicy.VersionedWorker(views.get(i),
                    target.equals(workers.get(i).handle().version())));
        }
        Plan plan;
        RolloutPolicy.Outcome outcome;
        if (r.haltReason != null) {
            ScalingDecision normal = scalingPolicy.decide(queue, views, scaling, now);
            outcome = policy.decide(NOTHING, versioned, scaling, surge, -1);
            String previous = settings.map(EndpointSettings::previousImage).orElse(null);
            plan = new Plan(normal, previous);
        } else {
            EndpointScaling widened = new EndpointScaling(endpoint, scaling.minWorkers(),
                    scaling.maxWorkers() + surge, scaling.idleTimeout(), scaling.scaler());
            boolean anyOld = versioned.stream().anyMatch(w -> !w.current() && w.view().state().isLive());
            ScalingDecision normal = scalingPolicy.decide(queue, views, anyOld ? widened : scaling, now);
            outcome = policy.decide(normal, versioned, scaling, surge, r.replicas);
            r.replicas = outcome.replicas();
            plan = new Plan(outcome.decision(), image);
        }
        write(endpoint, r, outcome, now);
        return plan;
    }

    private Rollout rollout(String endpoint, String target, List<FleetWorker> workers, List<WorkerView> views,
            Instant now) {
        Rollout r = rollouts.get(endpoint);
        if (r != null && r.to.equals(target)) {
            return r;
        }
        Optional<RolloutStatus> stored = r == null ? readStored(endpoint) : Optional.empty();
        if (stored.isPresent() && stored.get().toVersion().equals(target)) {
            // a restart, or another gateway ran the autoscaler before: carry on from what it wrote
            RolloutStatus s = stored.get();
            r = new Rollout(s.fromVersion(), target, s.startedAt());
            if (s.state() == RolloutStatus.State.HALTED) {
                r.haltReason = s.reason();
            }
            for (int i = 0; i < s.failures(); i++) {
                r.failed.add("(before restart) " + i);
            }
        } else {
            String from = r != null ? r.to : oldVersion(target, workers, views);
            r = new Rollout(from, target, now);
            if (from != null) {
                log.info("endpoint {}: rolling out version {} (was {})", endpoint, target, from);
            }
        }
        rollouts.put(endpoint, r);
        return r;
    }

    private Optional<RolloutStatus> readStored(String endpoint) {
        try {
            return store.rollout(endpoint);
        } catch (RuntimeException e) {
            log.warn("endpoint {}: could not read its last roll-out from the store; starting afresh", endpoint, e);
            return Optional.empty();
        }
    }

    /** The version most live workers of another version run, when some do. */
    private static String oldVersion(String target, List<FleetWorker> workers, List<WorkerView> views) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < workers.size(); i++) {
            String v = workers.get(i).handle().version();
            if (!v.equals(target) && views.get(i).state().isLive()) {
                counts.merge(v, 1, Integer::sum);
            }
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    private static void countFailures(Rollout r, List<FleetWorker> workers, List<WorkerView> views, Instant now) {
        for (int i = 0; i < workers.size(); i++) {
            FleetWorker w = workers.get(i);
            if (!r.to.equals(w.handle().version())) {
                continue;
            }
            if (w.readyAt() != null) {
                r.proven = true;
            } else if (views.get(i).state() == WorkerState.UNHEALTHY && r.failed.add(w.workerId())) {
                r.lastFailure = describe(w, now);
            }
        }
    }

    private static String describe(FleetWorker w, Instant now) {
        if (w.phase() == FleetWorker.Phase.EXITED) {
            Instant end = w.exitedAt() == null ? now : w.exitedAt();
            return "worker " + w.workerId() + " exited" + (w.exitCode() == null ? "" : " with code " + w.exitCode())
                    + " " + seconds(Duration.between(w.startedAt(), end)) + " after it was started";
        }
        return "worker " + w.workerId() + " asked for no job " + seconds(Duration.between(w.startedAt(), now))
                + " after it was started";
    }

    private static String seconds(Duration d) {
        return HumanDuration.of(d);
    }

    @Override
    public void startFailed(String endpoint, String image, String workerId, RuntimeException cause, Instant now) {
        Rollout r = rollouts.get(endpoint);
        String version = provider.versionFor(image);
        if (r != null && !r.proven && r.to.equals(version) && r.failed.add(workerId)) {
            r.lastFailure = "worker " + workerId + " could not be started: " + cause.getMessage();
        }
    }

    private void write(String endpoint, Rollout r, RolloutPolicy.Outcome o, Instant now) {
        RolloutStatus.State state = r.haltReason != null ? RolloutStatus.State.HALTED
                : o.rolling() ? RolloutStatus.State.ROLLING : RolloutStatus.State.DONE;
        RolloutStatus status = new RolloutStatus(endpoint, state, r.from, r.to, r.startedAt, o.oldLive(), o.newLive(),
                o.newReady(), r.failed.size(), r.haltReason, now);
        if (status.sameAs(r.written)) {
            return;
        }
        if (r.written != null && r.written.state() != state) {
            log.info("endpoint {}: roll-out to {} is {} ({} old, {} new workers)", endpoint, r.to, state,
                    o.oldLive(), o.newLive());
        }
        try {
            store.saveRollout(status);
            r.written = status;
        } catch (RuntimeException e) {
            log.warn("endpoint {}: could not record its roll-out in the store; trying again next pass", endpoint, e);
        }
    }

    /** The endpoint's roll-out as this autoscaler sees it now; empty before its first pass. */
    public Optional<RolloutStatus> status(String endpoint) {
        return Optional.ofNullable(rollouts.get(endpoint)).map(r -> r.written);
    }
}
