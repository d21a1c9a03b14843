package io.comfyfleet.gateway.config;

/** RunPod's two autoscaling rules (PROTOCOL.md §4). */
public enum ScalerType {
    /** value = seconds a job may wait in the queue before another worker is started. */
    QUEUE_DELAY,
    /** value = jobs per worker: desired workers = ceil((queued + running) / value). */
    REQUEST_COUNT
}
