package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.fleet.FleetConfigException;
import java.time.Duration;

/**
 * How the autoscaler loop runs, for every endpoint.
 *
 * @param period       time between passes
 * @param stopGrace    how long a stopped worker gets to finish before it is killed
 * @param initTimeout  a worker that has not called the gateway this long after its start is unhealthy (RunPod:
 *                     7 minutes, {@code RUNPOD_INIT_TIMEOUT})
 * @param silenceLimit a worker not heard from for this long is unhealthy (a few ping intervals)
 * @throws FleetConfigException naming the key, for a duration that is not positive
 */
public record AutoscalerSettings(Duration period, Duration stopGrace, Duration initTimeout, Duration silenceLimit) {
    public AutoscalerSettings {
        positive("period", period);
        if (stopGrace == null || stopGrace.isNegative()) {
            throw new FleetConfigException("stopGrace", "must be 0 seconds or more, got " + stopGrace);
        }
        positive("initTimeout", initTimeout);
        positive("silenceLimit", silenceLimit);
    }

    /** Every 2 s; 30 s grace; 7 min to become ready; unhealthy after 60 s of silence (six default pings). */
    public static AutoscalerSettings defaults() {
        return new AutoscalerSettings(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofMinutes(7),
                Duration.ofSeconds(60));
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new FleetConfigException(key, "must be a positive duration, got " + d);
        }
    }
}
