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
    private final long[] gaps;

    ArrivalForecast(Demand demand) {
        this.arrivals = demand.arrivals();
        this.gaps = demand.sortedGapsMillis();
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
        int longer = gaps.length - upperBound(q);
        int endedSoon = upperBound(h) - upperBound(q);
        return longer == 0 ? 0 : (double) endedSoon / longer;
    }

    /** How many gaps are at most {@code millis}. */
    private int upperBound(long millis) {
        int lo = 0;
        int hi = gaps.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (gaps[mid] <= millis) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
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
