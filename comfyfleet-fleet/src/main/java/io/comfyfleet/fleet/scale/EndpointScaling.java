package io.comfyfleet.fleet.scale;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One endpoint's scaling settings, as RunPod names them (see runpod/PROTOCOL.md §4). Validated on
 * construction, then immutable.
 *
 * @param endpoint    the endpoint id; letters, digits, '.', '_' and '-' (it appears in worker URLs)
 * @param minWorkers  always-on workers (RunPod "active workers"); 0 or more
 * @param maxWorkers  cap on workers, starting ones included; at least {@code minWorkers}; 0 disables the endpoint
 * @param idleTimeout how long a worker may sit idle before it is stopped (down to {@code minWorkers}); 0 or more
 * @param scaler      when to start more workers
 * @throws InvalidScalingException naming the key, when a value is out of range
 */
public record EndpointScaling(String endpoint, int minWorkers, int maxWorkers, Duration idleTimeout, Scaler scaler) {
    private static final Pattern ENDPOINT_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public EndpointScaling {
        if (endpoint == null || !ENDPOINT_ID.matcher(endpoint).matches()) {
            throw new InvalidScalingException(String.valueOf(endpoint), "endpoint",
                    "must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (minWorkers < 0) {
            throw new InvalidScalingException(endpoint, "minWorkers", "must be 0 or more, got " + minWorkers);
        }
        if (maxWorkers < minWorkers) {
            throw new InvalidScalingException(endpoint, "maxWorkers",
                    "must be at least minWorkers (" + minWorkers + "), got " + maxWorkers);
        }
        if (idleTimeout == null || idleTimeout.isNegative()) {
            throw new InvalidScalingException(endpoint, "idleTimeout", "must be 0 seconds or more, got " + idleTimeout);
        }
        switch (scaler) {
            case null -> throw new InvalidScalingException(endpoint, "scaler",
                    "is missing: choose QUEUE_DELAY (seconds), REQUEST_COUNT (jobs per worker),"
                            + " COLD_START_AWARE (wait weight) or TARGET_WAIT (seconds)");
            case Scaler.QueueDelay q when q.delay() == null || q.delay().isNegative() || q.delay().isZero() ->
                    throw new InvalidScalingException(endpoint, "scaler.queueDelay",
                            "must be a positive duration, got " + q.delay());
            case Scaler.RequestCount r when r.jobsPerWorker() < 1 ->
                    throw new InvalidScalingException(endpoint, "scaler.requestCount",
                            "must be 1 or more jobs per worker, got " + r.jobsPerWorker());
            case Scaler.ColdStartAware c when !(c.waitWeight() > 0) || Double.isInfinite(c.waitWeight()) ->
                    throw new InvalidScalingException(endpoint, "scaler.waitWeight",
                            "must be a positive number (GPU-seconds one second of wait is worth), got "
                                    + c.waitWeight());
            case Scaler.TargetWait t when t.target() == null || t.target().isNegative() || t.target().isZero() ->
                    throw new InvalidScalingException(endpoint, "scaler.targetWait",
                            "must be a positive duration, got " + t.target());
            default -> { }
        }
    }

    /**
     * Settings as RunPod (and {@code comfyfleet.yaml}) write them: a scaler type name and one number, seconds for
     * {@code QUEUE_DELAY} (fractions allowed), jobs per worker for {@code REQUEST_COUNT} (a whole number), the wait
     * weight for {@code COLD_START_AWARE} (GPU-seconds one second of a job's wait is worth), seconds for
     * {@code TARGET_WAIT} (the longest a job should wait in the queue).
     *
     * @throws InvalidScalingException naming the key, for an unknown type or a value out of range
     */
    public static EndpointScaling of(String endpoint, int minWorkers, int maxWorkers, Duration idleTimeout,
            String scalerType, double scalerValue) {
        String type = scalerType == null ? "" : scalerType.trim().toUpperCase(Locale.ROOT);
        Scaler scaler = switch (type) {
            case "QUEUE_DELAY" -> {
                if (!(scalerValue > 0) || Double.isInfinite(scalerValue)) {
                    throw new InvalidScalingException(String.valueOf(endpoint), "scaler.value",
                            "must be a positive number of seconds for QUEUE_DELAY, got " + scalerValue);
                }
                yield new Scaler.QueueDelay(Duration.ofNanos(Math.round(scalerValue * 1e9)));
            }
            case "REQUEST_COUNT" -> {
                if (scalerValue != Math.rint(scalerValue) || scalerValue < 1 || scalerValue > Integer.MAX_VALUE) {
                    throw new InvalidScalingException(String.valueOf(endpoint), "scaler.value",
                            "must be a whole number of jobs per worker (1 or more) for REQUEST_COUNT, got "
                                    + scalerValue);
                }
                yield new Scaler.RequestCount((int) scalerValue);
            }
            case "COLD_START_AWARE" -> {
                if (!(scalerValue > 0) || Double.isInfinite(scalerValue)) {
                    throw new InvalidScalingException(String.valueOf(endpoint), "scaler.value",
                            "must be a positive wait weight for COLD_START_AWARE, got " + scalerValue);
                }
                yield new Scaler.ColdStartAware(scalerValue);
            }
            case "TARGET_WAIT" -> {
                if (!(scalerValue > 0) || Double.isInfinite(scalerValue)) {
                    throw new InvalidScalingException(String.valueOf(endpoint), "scaler.value",
                            "must be a positive number of seconds for TARGET_WAIT, got " + scalerValue);
                }
                yield new Scaler.TargetWait(Duration.ofNanos(Math.round(scalerValue * 1e9)));
            }
            default -> throw new InvalidScalingException(String.valueOf(endpoint), "scaler.type",
                    "must be QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or TARGET_WAIT, got '" + scalerType + "'");
        };
        return new EndpointScaling(endpoint, minWorkers, maxWorkers, idleTimeout, scaler);
    }

    /** RunPod's defaults for a new endpoint: 0 to 3 workers, 5 s idle timeout, 4 s queue delay. */
    public static EndpointScaling runpodDefaults(String endpoint) {
        return new EndpointScaling(endpoint, 0, 3, Duration.ofSeconds(5), new Scaler.QueueDelay(Duration.ofSeconds(4)));
    }
}
