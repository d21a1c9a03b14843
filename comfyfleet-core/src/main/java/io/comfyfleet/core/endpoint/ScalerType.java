package io.comfyfleet.core.endpoint;

/**
 * How an endpoint decides to start workers: RunPod's two autoscaling rules (PROTOCOL.md §4) and ComfyFleet's two.
 *
 * <p>Each type holds the only copy of the values it accepts: {@code comfyfleet.yaml}, {@code PATCH
 * /admin/endpoints/{ep}} and {@code comfyfleet simulate} all check through {@link #accepts} and word a refusal with
 * {@link #refusal}, so a setting one of them takes the others take too.
 */
public enum ScalerType {
    /** value = seconds a job may wait in the queue before another worker is started. */
    QUEUE_DELAY(4, "from 0.5 to 3600 (seconds in queue)") {
        @Override
        public boolean accepts(double value) {
            return value >= 0.5 && value <= 3600;
        }
    },
    /** value = jobs per worker: desired workers = ceil((queued + running) / value). */
    REQUEST_COUNT(1, "a whole number from 1 to 1000000 (jobs per worker)") {
        @Override
        public boolean accepts(double value) {
            return value >= 1 && value <= 1_000_000 && value == Math.rint(value);
        }
    },
    /**
     * Not a RunPod scaler: starts and keeps workers from the cold starts, execution times and arrivals the autoscaler
     * measured (docs/fleet.md). value = the wait weight, how many GPU-seconds one second of a job's wait is worth:
     * higher keeps more workers warm (shorter waits, more GPU time). Beyond 1000 it keeps every worker as the idle
     * timeout would anyway.
     */
    COLD_START_AWARE(4, "a wait weight above 0 and at most 1000 (GPU-seconds one second of a job's wait is worth)") {
        @Override
        public boolean accepts(double value) {
            return value > 0 && value <= 1000;
        }
    },
    /**
     * Not a RunPod scaler: value = seconds a job should wait in the queue at most; the fewest workers that take jobs
     * within it, from the measured cold starts and execution times (docs/fleet.md).
     */
    TARGET_WAIT(20, "from 1 to 3600 (seconds a job should wait in the queue at most)") {
        @Override
        public boolean accepts(double value) {
            return value >= 1 && value <= 3600;
        }
    };

    /** The names accepted, for error messages. */
    public static final String NAMES = "QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or TARGET_WAIT";

    private final double defaultValue;
    private final String allowed;

    ScalerType(double defaultValue, String allowed) {
        this.defaultValue = defaultValue;
        this.allowed = allowed;
    }

    /** The value used when a configuration names the type and no value. */
    public double defaultValue() {
        return defaultValue;
    }

    /** True when {@code value} is one this type accepts (never NaN). */
    public abstract boolean accepts(double value);

    /**
     * Why a value this type does not accept is refused, for the caller to put after the key or option it came from:
     * {@code for TARGET_WAIT must be from 1 to 3600 (seconds ...), got 0}.
     *
     * @param asWritten the value as the user wrote it ({@code 0}, not {@code 0.0}), so they find what to change
     */
    public String refusal(String asWritten) {
        return "for " + name() + " must be " + allowed + ", got " + asWritten;
    }

    /** The type of exactly that name (as {@code comfyfleet.yaml} writes it), or null. */
    public static ScalerType named(String name) {
        for (ScalerType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
