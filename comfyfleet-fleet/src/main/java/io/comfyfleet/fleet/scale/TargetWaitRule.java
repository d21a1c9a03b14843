package io.comfyfleet.fleet.scale;

import static io.comfyfleet.fleet.scale.ColdStartAwareRule.seconds;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@link Scaler.TargetWait} rule: as few workers as take each queued job within the target wait T, from the
 * endpoint's measured cold start C and execution time S ({@link Demand}).
 *
 * <ul>
 *   <li><b>Starts for the queue.</b> Queued jobs are placed as {@link QueuePlacement} does. A job waits for the
 *       worker free first when it takes the job within T of its arrival; otherwise it gets a new worker, if a new
 *       one would take it sooner (the worker is free in more than C). No live worker: the first one starts at
 *       once.</li>
 *   <li><b>Warm workers.</b> Within the target a cold start costs no wait that counts, only GPU-seconds: an idle
 *       worker is kept while the chance it is needed within C is above 2/5 (the first worker from the past gaps
 *       between arrivals, a further one from the last minute's rate; the cold-start-aware rule's reading at wait
 *       weight 1.5). Idle workers above that are stopped at once. A target shorter than a cold start cannot be met by
 *       one, only by a worker already warm: the weight then grows as 1.5 × C / T (T = C / 2: P > 1/4).</li>
 * </ul>
 * Unlike {@code COLD_START_AWARE} it starts nothing ahead of a rising arrival rate: a job that a cold start still
 * takes within T needs no worker before it arrives, and on the example traces the early starts only cost
 * GPU-seconds (docs/fleet.md).
 */
final class TargetWaitRule {
    /**
     * The weight of the warm-worker reading: keep the only worker while P(a job within C) × (1 + 1.5) > 1, P > 2/5.
     * Chosen by simulation (docs/fleet.md): against P > 1/2 it spares a steady load cold starts whose waits count in
     * its p95 (GPU-seconds saved against the best RunPod setting: 30.3–31.5 % on three seeds, against 29.5–31.6 %)
     * for 0.6–2 points less saved on an office's sparse sessions; P > 1/3 saves the office 4 points less than
     * P > 1/2, and P > 4/5 starts too many workers on a steady load.
     */
    static final double KEEP_WEIGHT = 1.5;

    private TargetWaitRule() {}

    static ColdStartAwareRule.Plan plan(QueueSnapshot queue, List<WorkerView> live, EndpointScaling settings,
            Scaler.TargetWait rule, Instant now) {
        Demand demand = queue.demand();
        double c = seconds(demand.coldStartOr(ColdStartAwareRule.FALLBACK_COLD_START));
        double s = seconds(demand.executionOr(ColdStartAwareRule.FALLBACK_EXECUTION));
        double target = seconds(rule.target());
        int room = Math.max(0, settings.maxWorkers() - live.size());
        List<String> reasons = new ArrayList<>();

        int start = startsForQueue(queue, live, c, s, target, room, now);
        if (start > 0 && live.isEmpty()) {
            reasons.add(String.format(Locale.ROOT, "target wait %.1f s: %d queued and no live worker: start %d",
                    target, queue.queued(), start));
        } else if (start > 0) {
            reasons.add(String.format(Locale.ROOT, "target wait %.1f s: %d queued, %d live worker%s, cold start %.1f s,"
                    + " execution %.1f s: %d of them would wait longer than %.1f s: start %d", target, queue.queued(),
                    live.size(), live.size() == 1 ? "" : "s", c, s, start, target, start));
        }
        start = Math.max(start, settings.minWorkers() - live.size());
        int running = (int) live.stream().filter(v -> v.state() == WorkerState.RUNNING).count();
        boolean anyIdle = live.stream().anyMatch(v -> v.state() == WorkerState.IDLE);
        ArrivalForecast forecast = new ArrivalForecast(demand);
        double keepWeight = keepWeight(target, c);
        int spares = anyIdle
                ? ColdStartAwareRule.warmSpares(queue, running, forecast, c, s, keepWeight, now)
                : live.size() - running;
        int keep = Math.max(settings.minWorkers(), running + spares);
        if (start == 0 && keep == 0 && anyIdle) {
            // the stop a user most asks about: the last worker of an endpoint going while they still work
            reasons.add(String.format(Locale.ROOT, "target wait %.1f s: no worker kept warm: %s", target,
                    ColdStartAwareRule.whyNotKept(forecast, c, s, keepWeight, now)));
        }
        return new ColdStartAwareRule.Plan(Math.max(0, start), Math.min(keep, settings.maxWorkers()), reasons);
    }

    /**
     * The warm-worker weight for target {@code target}: {@link #KEEP_WEIGHT} while a cold start fits in the target;
     * below that a job that finds no idle worker misses its target for sure, so the weight grows as C / T and idle
     * workers are kept on smaller chances of a job.
     */
    static double keepWeight(double target, double c) {
        return target >= c ? KEEP_WEIGHT : KEEP_WEIGHT * c / Math.max(target, 0.5);
    }

    /** Queued jobs that no live worker takes within {@code target} and a new one takes sooner, at most {@code room}. */
    static int startsForQueue(QueueSnapshot queue, List<WorkerView> live, double c, double s, double target, int room,
            Instant now) {
        return QueuePlacement.starts(queue, live, c, s, room, now, (waited, f) -> f > c && waited + f > target);
    }
}
