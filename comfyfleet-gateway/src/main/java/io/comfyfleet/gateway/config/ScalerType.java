package io.comfyfleet.gateway.config;

/** How an endpoint decides to start workers: RunPod's two autoscaling rules (PROTOCOL.md §4) and ComfyFleet's two. */
public enum ScalerType {
    /** value = seconds a job may wait in the queue before another worker is started. */
    QUEUE_DELAY(4),
    /** value = jobs per worker: desired workers = ceil((queued + running) / value). */
    REQUEST_COUNT(1),
    /**
     * Not a RunPod scaler: starts and keeps workers from the cold starts, execution times and arrivals the autoscaler
     * measured (docs/fleet.md). value = the wait weight, how many GPU-seconds one second of a job's wait is worth:
     * higher keeps more workers warm (shorter waits, more GPU time).
     */
    COLD_START_AWARE(4),
    /**
     * Not a RunPod scaler: value = seconds a job should wait in the queue at most; the fewest workers that take jobs
     * within it, from the measured cold starts and execution times (docs/fleet.md).
     */
    TARGET_WAIT(20);

    /** The highest wait weight accepted: beyond it the scaler keeps every worker as the idle timeout would anyway. */
    public static final double MAX_WAIT_WEIGHT = 1000;
    /** The names accepted, for error messages. */
    public static final String NAMES = "QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or TARGET_WAIT";
    /** The longest target wait accepted, in seconds, as for QUEUE_DELAY. */
    public static final double MAX_TARGET_WAIT = 3600;

    private final double defaultValue;

    ScalerType(double defaultValue) {
        this.defaultValue = defaultValue;
    }

    /** The value used when a configuration names the type and no value. */
    public double defaultValue() {
        return defaultValue;
    }
}
