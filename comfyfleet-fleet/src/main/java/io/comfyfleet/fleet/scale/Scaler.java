package io.comfyfleet.fleet.scale;

import java.time.Duration;

/** How an endpoint decides it needs more workers: RunPod's two scaler types. */
public sealed interface Scaler {

    /**
     * RunPod {@code QUEUE_DELAY}: start one more worker when the oldest queued job has waited longer than
     * {@code delay} and no worker is idle or starting that would take it; at most one start per delay window.
     */
    record QueueDelay(Duration delay) implements Scaler {}

    /** RunPod {@code REQUEST_COUNT}: desired workers = ceil((queued + running) / {@code jobsPerWorker}). */
    record RequestCount(int jobsPerWorker) implements Scaler {}
}
