package io.comfyfleet.gateway.metrics;

import java.time.Duration;

/**
 * What the autoscaler reports to the gateway's metrics and dashboard. Get the gateway's with
 * {@code Gateway.fleetMetrics()}; calls are cheap and never throw.
 */
public interface FleetMetrics {
    /** Reports nothing: for a gateway whose workers are started by someone else. */
    FleetMetrics NONE = (endpoint, workerId, took) -> { };

    /**
     * A worker the fleet started became ready (its first job-take), {@code took} after it was started. Counted
     * in {@code comfyfleet_worker_cold_start_seconds} (with several gateways, by the one whose report is first
     * stored, once across them) and shown next to the worker on the dashboard.
     */
    void coldStart(String endpoint, String workerId, Duration took);
}
