package io.comfyfleet.fleet.scale;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@link Scaler.ColdStartAware} rule: how many workers an endpoint needs now and how many idle ones are worth
 * keeping warm, from its measured cold start C, execution time S and arrivals ({@link Demand}).
 *
 * <ul>
 *   <li><b>Starts for the queue.</b> Queued jobs are placed, oldest first, on the worker that will be free first
 *       (idle: now; starting: when its cold start ends; running: in S/2, the expected rest of a job). A job that
 *       would wait f seconds gets a new worker when the wait it saves, weighted, is worth the new worker's cold
 *       start: {@code waitWeight × (f − C) > C}. No live worker: the first one starts at once.</li>
 *   <li><b>Ahead of a rising rate.</b> When the last minute's arrival rate is over twice the last quarter hour's,
 *       workers are started up to ceil(rate × S), before the queue shows it, as long as a job is queued or the
 *       past gaps still expect one within C (the chance the warm rule keeps a first worker for).</li>
 *   <li><b>Warm workers.</b> Keeping a worker idle for the next C seconds costs C GPU-seconds. Stopping the
 *       endpoint's only worker costs, if a job comes within C, a cold start (C GPU-seconds of boot plus C seconds
 *       of wait, weighted), so it is kept while P(a job within C) × (1 + waitWeight) > 1, the chance read from the
 *       past gaps between arrivals ({@link ArrivalForecast#chanceWithin}): after a burst it is stopped once the
 *       quiet has lasted longer than the pauses inside bursts. A further worker is only a spare: without it, the
 *       job that would have taken it waits for one of the other workers to free, about S/2 and never more than C,
 *       and no cold start is paid for it (the queue rule above starts one only when that is worth it). So the k-th
 *       worker is kept while P(k jobs need a worker within C) × waitWeight × min(C, S/2) > C, the chance from the
 *       last minute's rate (Poisson, mean rate × (S + C): a burst's extra workers go within a minute of it). Idle
 *       workers above that are stopped at once; the idle timeout still stops any worker idle longer, down to
 *       min.</li>
 * </ul>
 */
final class ColdStartAwareRule {
    /** Used until a worker's cold start is measured: ComfyUI's own start on an H100 is 11 to 15 s. */
    static final Duration FALLBACK_COLD_START = Duration.ofSeconds(15);
    /** Used until a job's execution is measured. */
    static final Duration FALLBACK_EXECUTION = Duration.ofSeconds(5);
    static final Duration SHORT_WINDOW = Duration.ofMinutes(1);
    static final Duration LONG_WINDOW = Duration.ofMinutes(15);

    /** How many workers to start, and how many live ones to keep (the rest, when idle, are stopped). */
    record Plan(int start, int keep, List<String> reasons) {}

    private ColdStartAwareRule() {}

    static Plan plan(QueueSnapshot queue, List<WorkerView> live, EndpointScaling settings, Scaler.ColdStartAware rule,
            Instant now) {
        Demand demand = queue.demand();
        double c = seconds(demand.coldStartOr(FALLBACK_COLD_START));
        double s = seconds(demand.executionOr(FALLBACK_EXECUTION));
        double w = rule.waitWeight();
        ArrivalForecast forecast = new ArrivalForecast(demand);
        List<String> reasons = new ArrayList<>();
        int max = settings.maxWorkers();

        int forQueue = startsForQueue(queue, live, c, s, w, now);
        int start = Math.min(forQueue, max - live.size());
        if (start > 0) {
            reasons.add(String.format(Locale.ROOT, "cold-start aware: %d queued, %d live workers, cold start %.1f s,"
                    + " execution %.1f s: a new worker serves %d of them sooner: start %d", queue.queued(),
                    live.size(), c, s, forQueue, start));
        }
        double shortRate = forecast.rate(now, SHORT_WINDOW, queue.queued());
        double longRate = forecast.rate(now, LONG_WINDOW, queue.queued());
        int ahead = (int) Math.min(max, Math.ceil(shortRate * s));
        // a worker started ahead when no job waits and none is expected within C would be the one the warm rule
        // below stops at once: after a burst (or three trickle jobs in a minute) it only ever cost a cold start
        boolean jobNear = queue.queued() > 0 || firstWorkerChance(forecast, c, w, now) > keepThreshold(1, c, s, w);
        if (jobNear && shortRate > 2 * longRate && ahead > live.size() + start) {
            int more = ahead - live.size() - start;
            start += more;
            reasons.add(String.format(Locale.ROOT, "cold-start aware: arrivals rising (%.3f/s in the last minute,"
                    + " %.3f/s in 15 min) need ceil(rate × %.1f s) = %d workers: start %d more", shortRate, longRate,
                    s, ahead, more));
        }
        start = Math.max(start, settings.minWorkers() - live.size());
        int running = (int) live.stream().filter(v -> v.state() == WorkerState.RUNNING).count();
        boolean anyIdle = live.stream().anyMatch(v -> v.state() == WorkerState.IDLE);
        // only idle workers are ever stopped: without one, how many are worth keeping changes nothing
        int spares = anyIdle ? warmSpares(queue, running, forecast, c, s, w, now) : live.size() - running;
        int keep = Math.max(settings.minWorkers(), running + spares);
        return new Plan(Math.max(0, start), Math.min(keep, max), reasons);
    }

    /** Queued jobs that a new worker would serve sooner, by enough to be worth its cold start. */
    static int startsForQueue(QueueSnapshot queue, List<WorkerView> live, double c, double s, double w, Instant now) {
        return QueuePlacement.starts(queue, live, c, s, Integer.MAX_VALUE, now, (waited, f) -> w * (f - c) > c);
    }

    /** Idle workers worth keeping warm beyond the running ones. */
    static int warmSpares(QueueSnapshot queue, int running, ArrivalForecast forecast, double c, double s, double w,
            Instant now) {
        if (queue.queued() > 0) {
            return (int) queue.queued();
        }
        double rate = forecast.rate(now, SHORT_WINDOW, 0);
        double mean = rate * (s + c);
        int spares = 0;
        for (int k = running + 1; ; k++) {
            double chance = ArrivalForecast.poissonAtLeast(k, mean);
            if (k == 1) {
                // the gaps of the past know bursts and pauses; the Poisson guess only stands in without them
                chance = forecast.hasHistory() ? firstWorkerChance(forecast, c, w, now)
                        : Math.max(chance, firstWorkerChance(forecast, c, w, now));
            }
            if (chance <= keepThreshold(k, c, s, w) || spares >= 1000) {
                return spares;
            }
            spares++;
        }
    }

    /**
     * The chance of being needed within the next cold start above which the k-th live worker is worth its C
     * GPU-seconds of idling. The first worker saves, when needed, a cold start: C GPU-seconds of boot and C seconds
     * of wait. Any further one only saves the wait for another live worker to free, min(C, S/2), and no boot: a
     * rule that priced it like the first kept idle spares through every busy stretch (on a Poisson load of one
     * job every 10 s that was half of all GPU-seconds) to save waits of a few seconds.
     */
    static double keepThreshold(int k, double c, double s, double w) {
        if (k <= 1) {
            return 1 / (1 + w);
        }
        double waitSaved = Math.min(c, s / 2);
        return waitSaved <= 0 ? Double.POSITIVE_INFINITY : c / (w * waitSaved);
    }

    /**
     * Why the endpoint's only worker is not worth keeping warm, in words: the chance of a job within the next cold
     * start against the threshold, or, with too few past arrivals to read, the quiet against the break-even.
     */
    static String whyNotKept(ArrivalForecast forecast, double c, double s, double w, Instant now) {
        Instant last = forecast.last();
        if (last == null) {
            return "no job has arrived yet";
        }
        double quiet = Math.max(0, seconds(Duration.between(last, now)));
        if (!forecast.hasHistory()) {
            // warmSpares then also keeps it on the last minute's rate
            double rateChance = ArrivalForecast.poissonAtLeast(1, forecast.rate(now, SHORT_WINDOW, 0) * (s + c));
            return String.format(Locale.ROOT, "quiet %.1f s, too few arrivals to read: a worker stays warm while the"
                    + " quiet is under %.1f s or the last minute's arrivals give a job within a cold start (%.1f s)"
                    + " a chance above %.2f (now %.2f)", quiet, (1 + w) * c, c, keepThreshold(1, c, s, w), rateChance);
        }
        return String.format(Locale.ROOT, "quiet %.1f s: the past gaps give a job within a cold start (%.1f s) a"
                + " chance of %.2f, a worker stays warm above %.2f", quiet, c, firstWorkerChance(forecast, c, w, now),
                keepThreshold(1, c, 0, w));
    }

    /** The chance that a job needs the endpoint's only worker within the next cold start. */
    private static double firstWorkerChance(ArrivalForecast forecast, double c, double w, Instant now) {
        Instant last = forecast.last();
        if (last == null) {
            return 0;
        }
        Duration quiet = Duration.between(last, now);
        if (quiet.isNegative()) {
            quiet = Duration.ZERO;
        }
        if (!forecast.hasHistory()) {
            // too few gaps to read: keep it as long as a cold start, weighted, would cost (the break-even rule)
            return seconds(quiet) < (1 + w) * c ? 1 : 0;
        }
        return forecast.chanceWithin(quiet, Duration.ofMillis(Math.round(c * 1000)));
    }

    static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
