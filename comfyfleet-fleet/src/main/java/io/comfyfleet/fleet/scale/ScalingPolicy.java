package io.comfyfleet.fleet.scale;

import io.comfyfleet.core.HumanDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The scaling rules, as a pure function of (queue, workers, settings, time): no clock, no state, no I/O, so
 * every rule is tested by table and the same inputs always give the same decision.
 *
 * <p>The rules, in the order they apply:
 * <ol>
 *   <li>Unhealthy workers are stopped; they no longer count, so the rules below replace them when needed.</li>
 *   <li>Live workers (initializing, idle, running, throttled) never exceed {@code maxWorkers}: above it, idle
 *       workers are stopped first (longest idle first), then throttled, then initializing ones (newest first);
 *       running ones never, they are stopped once idle.</li>
 *   <li>Live workers never fall below {@code minWorkers}.</li>
 *   <li>{@code REQUEST_COUNT}: desired = ceil((queued + running) / N), clamped to [min, max]; start the
 *       difference at once (bursts scale in one decision).</li>
 *   <li>{@code QUEUE_DELAY}: start one worker when the oldest queued job has waited longer than the delay (or at
 *       once, when no worker is live: the delay is for adding workers, not for the first one), no worker is idle
 *       or initializing (it would take that job), and no worker was started within the last delay. The last two conditions stop thrash: without them every decision made while a worker boots would
 *       start another one for the same waiting job. So this scaler adds at most one worker per delay window.</li>
 *   <li>Idle timeout: a worker idle longer than {@code idleTimeout} is stopped (longest idle first) while more
 *       workers remain than are wanted: min, or for {@code REQUEST_COUNT} the desired count; with
 *       {@code QUEUE_DELAY} no idle worker is stopped while normal-priority jobs are queued. Never in the same
 *       decision as a start.</li>
 * </ol>
 * {@code COLD_START_AWARE} and {@code TARGET_WAIT} replace rules 4 to 6 with their own (see {@code ColdStartAwareRule}
 * and {@code TargetWaitRule}): they read what was measured of the endpoint ({@link QueueSnapshot#demand()}).
 * Low-priority jobs are not in {@link QueueSnapshot#queued()}, so they never start a worker; they run on
 * workers that exist anyway.
 */
public final class ScalingPolicy {

    /**
     * Decides what the endpoint should do now.
     *
     * @param queue    the endpoint's queue at {@code now}
     * @param workers  every worker of the endpoint the provider still has, in any state
     * @param settings the endpoint's settings
     * @param now      the time the queue and workers were read
     * @return how many workers to start and which to stop; never null
     */
    public ScalingDecision decide(QueueSnapshot queue, List<WorkerView> workers, EndpointScaling settings, Instant now) {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(workers, "workers");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(now, "now");
        List<String> reasons = new ArrayList<>();
        Set<String> stop = new LinkedHashSet<>();

        for (WorkerView w : workers) {
            if (w.state() == WorkerState.UNHEALTHY) {
                stop.add(w.id());
                reasons.add("worker " + w.id() + " is unhealthy: stop it (replaced if still needed)");
            }
        }
        List<WorkerView> live = workers.stream().filter(w -> w.state().isLive()).toList();
        int max = settings.maxWorkers();
        if (live.size() > max) {
            List<WorkerView> excess = trimOrder(live).stream().limit(live.size() - max).toList();
            excess.forEach(w -> stop.add(w.id()));
            reasons.add(live.size() + " live workers above max " + max + ": stop " + excess.size()
                    + " that are not running");
            return new ScalingDecision(0, List.copyOf(stop), reasons);
        }

        int keep;
        int start;
        switch (settings.scaler()) {
            case Scaler.RequestCount rc -> {
                long wanted = ceilDiv(queue.queued() + queue.running(), rc.jobsPerWorker());
                keep = (int) Math.clamp(wanted, settings.minWorkers(), max);
                start = Math.max(0, keep - live.size());
                if (start > 0) {
                    reasons.add("request count: ceil((" + queue.queued() + " queued + " + queue.running()
                            + " running) / " + rc.jobsPerWorker() + ") within [" + settings.minWorkers() + ", " + max
                            + "] = " + keep + " workers, have " + live.size() + ": start " + start);
                }
            }
            case Scaler.QueueDelay qd -> {
                keep = queue.queued() > 0 ? live.size() : settings.minWorkers();
                start = Math.max(0, settings.minWorkers() - live.size());
                if (start > 0) {
                    reasons.add(live.size() + " live workers below min " + settings.minWorkers() + ": start " + start);
                } else if (live.size() < max && queueDelayCalls(queue, workers, live, qd.delay(), now)) {
                    start = 1;
                    reasons.add(live.isEmpty()
                            ? "a job is queued and no worker is live: start the first one at once"
                            : "oldest queued job waited " + HumanDuration.of(Duration.between(queue.oldestQueuedAt(), now))
                                    + " > queue delay " + HumanDuration.of(qd.delay())
                                    + " and no worker is idle or starting: start 1");
                }
            }
            case Scaler.ColdStartAware csa -> {
                return measured(ColdStartAwareRule.plan(queue, live, settings, csa, now), live, settings, now, stop,
                        reasons);
            }
            case Scaler.TargetWait tw -> {
                return measured(TargetWaitRule.plan(queue, live, settings, tw, now), live, settings, now, stop,
                        reasons);
            }
        }
        if (start == 0) {
            stopIdle(live, keep, settings.idleTimeout(), now, stop, reasons);
        }
        return new ScalingDecision(start, List.copyOf(stop), reasons);
    }

    /** The decision of a scaler that plans from measurements: starts, or else the idle workers it need not keep. */
    private static ScalingDecision measured(ColdStartAwareRule.Plan plan, List<WorkerView> live,
            EndpointScaling settings, Instant now, Set<String> stop, List<String> reasons) {
        reasons.addAll(plan.reasons());
        if (plan.start() == 0) {
            // idle workers the forecast does not need go at once; the idle timeout still bounds the others
            stopIdle(live, plan.keep(), Duration.ZERO, now, stop, reasons);
            List<WorkerView> left = live.stream().filter(w -> !stop.contains(w.id())).toList();
            stopIdle(left, settings.minWorkers(), settings.idleTimeout(), now, stop, reasons);
        }
        return new ScalingDecision(plan.start(), List.copyOf(stop), reasons);
    }

    private static boolean queueDelayCalls(QueueSnapshot queue, List<WorkerView> all, List<WorkerView> live,
            Duration delay, Instant now) {
        if (queue.queued() == 0) {
            return false;
        }
        // The delay is for adding workers: with none live, waiting it out only adds to the first job's cold start.
        boolean waitedPastDelay = Duration.between(queue.oldestQueuedAt(), now).compareTo(delay) > 0;
        if (!live.isEmpty() && !waitedPastDelay) {
            return false;
        }
        boolean someoneWillTakeIt = live.stream()
                .anyMatch(w -> w.state() == WorkerState.IDLE || w.state() == WorkerState.INITIALIZING);
        // Unhealthy and stopping workers count here too: a worker that crashes right after its start must not
        // turn into a start on every decision.
        Instant windowStart = now.minus(delay);
        boolean startedInWindow = all.stream().anyMatch(w -> w.startedAt().isAfter(windowStart));
        return !someoneWillTakeIt && !startedInWindow;
    }

    private static void stopIdle(List<WorkerView> live, int keep, Duration idleTimeout, Instant now, Set<String> stop,
            List<String> reasons) {
        List<WorkerView> expired = live.stream()
                .filter(w -> w.state() == WorkerState.IDLE)
                .filter(w -> Duration.between(w.idleSinceOrStart(), now).compareTo(idleTimeout) > 0)
                .sorted(Comparator.comparing(WorkerView::idleSinceOrStart))
                .toList();
        int remaining = live.size();
        for (WorkerView w : expired) {
            if (remaining <= keep) {
                break;
            }
            stop.add(w.id());
            remaining--;
            String idle = HumanDuration.of(Duration.between(w.idleSinceOrStart(), now));
            // a zero timeout is the measured scalers' own stop: the worker is not worth keeping warm
            reasons.add(idleTimeout.isZero()
                    ? "worker " + w.id() + " idle " + idle + ", " + workers(remaining + 1) + " live, " + keep
                            + " worth keeping warm: stop it"
                    : "worker " + w.id() + " idle " + idle + " > idle timeout " + HumanDuration.of(idleTimeout) + ", "
                            + workers(remaining + 1) + " live, " + keep + " wanted: stop it");
        }
    }

    /** Cheapest to lose first: idle (longest idle first), throttled, initializing (newest first); never running. */
    private static List<WorkerView> trimOrder(List<WorkerView> live) {
        List<WorkerView> order = new ArrayList<>();
        live.stream().filter(w -> w.state() == WorkerState.IDLE)
                .sorted(Comparator.comparing(WorkerView::idleSinceOrStart)).forEach(order::add);
        live.stream().filter(w -> w.state() == WorkerState.THROTTLED).forEach(order::add);
        live.stream().filter(w -> w.state() == WorkerState.INITIALIZING)
                .sorted(Comparator.comparing(WorkerView::startedAt).reversed()).forEach(order::add);
        return order;
    }

    private static long ceilDiv(long a, int b) {
        return Math.ceilDiv(a, (long) b);
    }

    private static String workers(long n) {
        return n + (n == 1 ? " worker" : " workers");
    }
}
