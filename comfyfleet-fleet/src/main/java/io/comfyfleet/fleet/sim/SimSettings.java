package io.comfyfleet.fleet.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * How the simulated fleet behaves.
 *
 * @param period        time between autoscaler passes ({@code comfyfleet up}'s default {@code --scale-period} is
 *                      1 s)
 * @param coldStart     from a worker's start until its first job-take
 * @param firstJobExtra added to the first job a worker runs: its model is read from disk (H100: 7.07 s for the
 *                      first job against 0.88 to 1.09 s warm, so about 6 s)
 * @param swapSeconds   added to a job whose model differs from the one its worker ran last (H100, default cache:
 *                      about 0.7 s)
 * @param seed          for the cold-start draws; the same seed and trace give the same run
 */
public record SimSettings(Duration period, ColdStartModel coldStart, double firstJobExtra, double swapSeconds,
        long seed) {
    public SimSettings {
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(coldStart, "coldStart");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, got " + period);
        }
        if (!(firstJobExtra >= 0) || !(swapSeconds >= 0)) {
            throw new IllegalArgumentException("firstJobExtra and swapSeconds must be 0 or more, got "
                    + firstJobExtra + ", " + swapSeconds);
        }
    }

    /** The H100 numbers of ../shared/comfyui/README.md, a pass every second, seed 1. */
    public static SimSettings h100() {
        return new SimSettings(Duration.ofSeconds(1), ColdStartModel.H100, 6.0, 0.7, 1);
    }

    public SimSettings withColdStart(ColdStartModel model) {
        return new SimSettings(period, model, firstJobExtra, swapSeconds, seed);
    }

    public SimSettings withPeriod(Duration p) {
        return new SimSettings(p, coldStart, firstJobExtra, swapSeconds, seed);
    }

    public SimSettings withJobCosts(double firstJob, double swap) {
        return new SimSettings(period, coldStart, firstJob, swap, seed);
    }
}
