package io.comfyfleet.fleet.rollout;

import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.fleet.scale.ScalingDecision;
import io.comfyfleet.fleet.scale.WorkerState;
import io.comfyfleet.fleet.scale.WorkerView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The roll-out rules, as a pure function like {@link io.comfyfleet.fleet.scale.ScalingPolicy}: given the scaling
 * policy's decision and which workers run the endpoint's version, what to start (of the new version) and stop.
 *
 * <p>While any live worker runs another version ("old"), the endpoint rolls out:
 * <ol>
 *   <li>Unhealthy workers are stopped, as the scaling policy says.</li>
 *   <li>{@code replicas}, the workers the endpoint wants, starts at the live count (within min..max) and follows
 *       demand: the scaling policy's starts add to it, its idle-timeout stops take from it. Those stops are carried
 *       out only for workers that are not ready: a ready worker goes by rule 5 alone, so a surge worker still
 *       starting never lets the idle timeout take the endpoint below its ready floor.</li>
 *   <li>Old workers that serve nothing yet (initializing, throttled) are stopped: new ones replace them.</li>
 *   <li>New workers are started until there are {@code replicas} of them, but never more than
 *       {@code replicas + maxSurge} live workers in all.</li>
 *   <li>Idle old workers are stopped (longest idle first) while the ready workers left are at least
 *       {@code max(minWorkers, replicas)}; running ones finish their jobs first and go at a later pass.</li>
 * </ol>
 * Without old workers the scaling policy's decision stands as it is.
 */
public final class RolloutPolicy {

    /** One worker and whether it runs the endpoint's version. */
    public record VersionedWorker(WorkerView view, boolean current) {
        public VersionedWorker {
            Objects.requireNonNull(view, "view");
        }
    }

    /**
     * @param decision  what to do now
     * @param rolling   whether old workers were live (a roll-out is under way)
     * @param replicas  the workers the endpoint wants, for the next pass; -1 when not rolling
     * @param oldLive   live workers of other versions, before this decision
     * @param newLive   live workers of the endpoint's version, before this decision
     * @param newReady  of those, the ones taking jobs
     */
    public record Outcome(ScalingDecision decision, boolean rolling, int replicas, int oldLive, int newLive,
            int newReady) {}

    /**
     * @param normal   the scaling policy's decision for all the workers (with {@code maxWorkers + maxSurge} as
     *                 its max, so surge workers are not trimmed)
     * @param workers  every worker of the endpoint
     * @param scaling  the endpoint's settings (its real max)
     * @param maxSurge workers allowed above {@code replicas} during a roll-out, 1 or more
     * @param replicas what the last pass of this roll-out wanted; -1 at its first pass
     */
    public Outcome decide(ScalingDecision normal, List<VersionedWorker> workers, EndpointScaling scaling, int maxSurge,
            int replicas) {
        Objects.requireNonNull(normal, "normal");
        Objects.requireNonNull(scaling, "scaling");
        if (maxSurge < 1) {
            throw new IllegalArgumentException("maxSurge must be 1 or more, got " + maxSurge);
        }
        List<VersionedWorker> live = workers.stream().filter(w -> w.view().state().isLive()).toList();
        List<VersionedWorker> old = live.stream().filter(w -> !w.current()).toList();
        int newLive = live.size() - old.size();
        int newReady = (int) live.stream().filter(w -> w.current() && ready(w)).count();
        if (old.isEmpty()) {
            return new Outcome(normal, false, -1, 0, newLive, newReady);
        }
        List<String> reasons = new ArrayList<>();
        Set<String> stop = new LinkedHashSet<>();
        Set<String> liveIds = new LinkedHashSet<>();
        live.forEach(w -> liveIds.add(w.view().id()));
        Set<String> readyIds = new LinkedHashSet<>();
        live.stream().filter(RolloutPolicy::ready).forEach(w -> readyIds.add(w.view().id()));
        int demandStops = 0;
        for (String id : normal.stop()) {
            if (liveIds.contains(id)) {
                demandStops++; // idle timeout or above max (not unhealthy): less demand
            }
            if (readyIds.contains(id)) {
                // The scaling policy counts a starting surge worker as one of those to keep, so its idle-timeout
                // stop of a ready worker would leave fewer ready than minWorkers until the surge worker is up.
                // The demand it drops lowers replicas; which ready worker goes is rule 5's choice (old ones first,
                // never below the floor).
                reasons.add("roll-out: worker " + id + " is ready; the idle timeout lowers the workers wanted, and"
                        + " old-version workers go first");
                continue;
            }
            stop.add(id);
        }
        reasons.addAll(normal.reasons());
        int want = replicas < 0 ? live.size() : replicas;
        want = Math.clamp((long) want + normal.start() - demandStops, scaling.minWorkers(), scaling.maxWorkers());

        for (VersionedWorker w : old) {
            WorkerState s = w.view().state();
            if ((s == WorkerState.INITIALIZING || s == WorkerState.THROTTLED) && stop.add(w.view().id())) {
                reasons.add("old-version worker " + w.view().id() + " is " + s + ": stop it, a new one replaces it");
            }
        }
        List<VersionedWorker> after = live.stream().filter(w -> !stop.contains(w.view().id())).toList();
        long newAfter = after.stream().filter(VersionedWorker::current).count();
        int start = (int) Math.max(0, Math.min(want - newAfter, (long) want + maxSurge - after.size()));
        if (start > 0) {
            reasons.add("roll-out: " + newAfter + " of " + want + " workers run the new version, " + after.size()
                    + " live (surge " + maxSurge + "): start " + start + " of the new version");
        }
        int readyLeft = (int) after.stream().filter(RolloutPolicy::ready).count();
        int floor = Math.max(scaling.minWorkers(), want);
        List<VersionedWorker> idleOld = after.stream()
                .filter(w -> !w.current() && w.view().state() == WorkerState.IDLE)
                .sorted(Comparator.comparing(w -> w.view().idleSinceOrStart()))
                .toList();
        for (VersionedWorker w : idleOld) {
            if (readyLeft - 1 < floor) {
                reasons.add("roll-out: keeping idle old-version worker " + w.view().id() + ": " + readyLeft
                        + " ready workers, at least " + floor + " must stay ready");
                break;
            }
            stop.add(w.view().id());
            readyLeft--;
            reasons.add("roll-out: old-version worker " + w.view().id() + " is idle and " + readyLeft
                    + " ready workers remain (at least " + floor + "): stop it");
        }
        return new Outcome(new ScalingDecision(start, List.copyOf(stop), reasons), true, want, old.size(), newLive,
                newReady);
    }

    private static boolean ready(VersionedWorker w) {
        WorkerState s = w.view().state();
        return s == WorkerState.IDLE || s == WorkerState.RUNNING;
    }
}
