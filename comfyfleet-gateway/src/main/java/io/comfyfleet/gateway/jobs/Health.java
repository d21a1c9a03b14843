package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.gateway.dispatch.WorkerCounts;
import io.comfyfleet.gateway.dispatch.WorkerFailure;

/**
 * RunPod's {@code /health}: job counts from the store, worker counts from the registry, and (ComfyFleet's
 * additions) how many live workers announced each version and the last worker that gave up.
 *
 * @param lastWorkerFailure null when no worker of the endpoint gave up lately (heard here, or with several gateways
 *                          at any of them, within about a second)
 */
public record Health(JobCounts jobs, WorkerCounts workers, java.util.Map<String, Integer> versions,
        WorkerFailure lastWorkerFailure) {}
