package io.comfyfleet.cli;

import io.comfyfleet.core.endpoint.ScalerType;
import io.comfyfleet.core.endpoint.ScalingBounds;
import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.gateway.config.Durations;
import java.time.Duration;

/**
 * The scaling options of {@code comfyfleet simulate}, held to the bounds {@code comfyfleet.yaml} and
 * {@code PATCH /admin/endpoints/{ep}} hold an endpoint to ({@link ScalerType}, {@link ScalingBounds}): a setting
 * simulated is one {@code up} would run. A refusal names the option, what it may be and the value as it was typed.
 *
 * @param type        the scaler
 * @param value       the scaler's value
 * @param idleTimeout how long a worker may sit idle
 * @param minWorkers  workers kept running
 * @param maxWorkers  workers at most
 */
record SimulatedScaling(ScalerType type, double value, Duration idleTimeout, int minWorkers, int maxWorkers) {

    /**
     * The options as typed, checked.
     *
     * @param value {@code --value} as typed, or null for the scaler's default
     * @throws IllegalArgumentException naming the option, for anything {@code comfyfleet.yaml} would refuse
     */
    static SimulatedScaling of(String scaler, String value, String idleTimeout, int minWorkers, int maxWorkers) {
        ScalerType type = ScalerType.named(scaler);
        if (type == null) {
            throw new IllegalArgumentException("--scaler: must be " + ScalerType.NAMES + ", got " + scaler);
        }
        double v = value == null ? defaultValue(type) : number(value);
        if (!type.accepts(v)) {
            throw new IllegalArgumentException("--value: " + type.refusal(value));
        }
        Duration idle = idleTimeout(idleTimeout);
        workers("--min-workers", minWorkers);
        workers("--max-workers", maxWorkers);
        if (maxWorkers < minWorkers) {
            throw new IllegalArgumentException("--max-workers: must be at least --min-workers (" + minWorkers
                    + "), got " + maxWorkers);
        }
        return new SimulatedScaling(type, v, idle, minWorkers, maxWorkers);
    }

    /**
     * {@code --max-workers} alone, for the sweep (which runs its own scalers and idle timeouts).
     *
     * @throws IllegalArgumentException when {@code comfyfleet.yaml} would refuse it
     */
    static int maxWorkers(int maxWorkers) {
        workers("--max-workers", maxWorkers);
        return maxWorkers;
    }

    /** These settings for one endpoint of the trace. */
    EndpointScaling forEndpoint(String endpoint) {
        return EndpointScaling.of(endpoint, minWorkers, maxWorkers, idleTimeout, type.name(), value);
    }

    /** QUEUE_DELAY 1 s, as {@code up}'s built-in configuration has it; the others their type's default. */
    private static double defaultValue(ScalerType type) {
        return type == ScalerType.QUEUE_DELAY ? 1 : type.defaultValue();
    }

    private static Duration idleTimeout(String text) {
        Duration d = Durations.parse(text);
        if (d == null) {
            throw new IllegalArgumentException("--idle-timeout: must be a duration like " + Durations.EXAMPLES
                    + ", got " + text);
        }
        Duration min = ScalingBounds.MIN_IDLE_TIMEOUT;
        Duration max = ScalingBounds.MAX_IDLE_TIMEOUT;
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException("--idle-timeout: must be from " + Durations.format(min) + " to "
                    + Durations.format(max) + ", got " + text);
        }
        return d;
    }

    private static double number(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--value: must be a number, got " + text);
        }
    }

    private static void workers(String option, int count) {
        if (count < 0 || count > ScalingBounds.MAX_WORKERS) {
            throw new IllegalArgumentException(option + ": must be from 0 to " + ScalingBounds.MAX_WORKERS
                    + ", got " + count);
        }
    }
}
