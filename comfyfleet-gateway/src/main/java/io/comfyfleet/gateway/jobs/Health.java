package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.gateway.dispatch.WorkerCounts;

/**
 * RunPod's {@code /health}: job counts from the store, worker counts from the registry, and (ComfyFleet's
 * addition) how many live workers announced each version.
 */
public record Health(JobCounts jobs, WorkerCounts workers, java.util.Map<String, Integer> versions) {}
