package io.comfyfleet.gateway.dispatch;

/** The worker half of RunPod's {@code /health}. */
public record WorkerCounts(int idle, int initializing, int ready, int running, int throttled, int unhealthy) {}
