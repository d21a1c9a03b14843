package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.gateway.jobs.JobListener;

/**
 * Tells the autoscaler the moment this gateway queues a job: at an endpoint with no worker that starts one now
 * rather than at the next pass. What the measured scalers forecast from (arrivals, execution times) is read from
 * the store instead, by {@link StoreDemandReader}, so it counts the jobs of every gateway.
 */
final class QueuedJobNudge implements JobListener {
    private final Autoscaler autoscaler;

    QueuedJobNudge(Autoscaler autoscaler) {
        this.autoscaler = autoscaler;
    }

    @Override
    public void queued(String endpoint) {
        autoscaler.jobQueued(endpoint);
    }
}
