package io.comfyfleet.fleet.scale;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Forecasts from an endpoint's recent arrivals: the chance that a job arrives soon given how long the endpoint has
 * been quiet, and the recent arrival rate. Pure: the same arrivals and time give the same answers.
 */
final class ArrivalForecast {
    /** Fewer gaps than this say too little about the next one; callers fall back to a rule of thumb. */
    static final int MIN_GAPS = 5;

    private final List<Instant> arrivals;

    ArrivalForecast(List<Instant> arrivals) {
        this.arrivals = arrivals;
    }

    /** Whether there are enough gaps between arrivals to read {@link #chanceWithin} from them. */
    boolean hasHistory() {
        return arrivals.size() > MIN_GAPS;
    }

    /** The last known arrival, or null when none is known. */
    Instant last() {
        return arrivals.isEmpty() ? null : arrivals.getLast();
    }

    /**
     * The chance that the next job arrives within {@code horizon}, given that none arrived for {@code quiet}: among
     * the past gaps between arrivals longer than {@code quiet}, the share that ended within {@code quiet + horizon}.
     * A gap pattern of bursts and long pauses (people at work, then away) makes this fall the longer the endpoint is
     * quiet, which is what lets a worker be stopped soon after the last job of a burst. 0 when no past gap was that
     * long.
     */
    double chanceWithin(Duration quiet, Duration horizon) {
        long q = quiet.toMillis();
        long h = q + horizon.toMillis();
        int longer = 0;
        int endedSoon = 0;
        for (int i = 1; i < arrivals.size(); i++) {
            long gap = Duration.between(arrivals.get(i - 1), arrivals.get(i)).toMillis();
            if (gap > q) {
                longer++;
                if (gap <= h) {
                    endedSoon++;
                }
            }
        }
        return longer == 0 ? 0 : (double) endedSoon / longer;
    }

    /** Jobs per second over the {@code window} before {@code now}, counting {@code queued} jobs not yet known here. */
    double rate(Instant now, Duration window, long queued) {
        Instant from = now.minus(window);
        long n = queued;
        for (int i = arrivals.size() - 1; i >= 0 && arrivals.get(i).isAfter(from); i--) {
            n++;
        }
        return n / (window.toMillis() / 1000.0);
    }

    /** P(N >= k) for N Poisson with mean {@code mean}. */
    static double poissonAtLeast(int k, double mean) {
        if (k <= 0) {
            return 1;
        }
        double term = Math.exp(-mean);
        double below = term;
        for (int j = 1; j < k; j++) {
            term *= mean / j;
            below += term;
        }
        return Math.max(0, 1 - below);
    }
}
