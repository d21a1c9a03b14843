package io.comfyfleet.core.endpoint;

import java.time.Duration;

/**
 * The bounds of an endpoint's worker counts and idle timeout, kept once for the three places that take them from a
 * user ({@code comfyfleet.yaml}, {@code PATCH /admin/endpoints/{ep}}, {@code comfyfleet simulate}): a setting
 * simulated is one {@code up} and the admin API would run. The scaler's value has its bounds in {@link ScalerType}.
 */
public final class ScalingBounds {
    /** The most workers {@code minWorkers} and {@code maxWorkers} may name. */
    public static final int MAX_WORKERS = 10_000;
    /** The shortest idle timeout accepted. */
    public static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(1);
    /** The longest idle timeout accepted. */
    public static final Duration MAX_IDLE_TIMEOUT = Duration.ofHours(1);

    private ScalingBounds() {}
}
