package io.comfyfleet.core.job;

/**
 * The job half of RunPod's {@code /health}: live counts plus totals since the store was created.
 *
 * @param inQueue    jobs IN_QUEUE now
 * @param inProgress jobs IN_PROGRESS now
 * @param completed  total jobs that ended COMPLETED (kept after the jobs themselves are deleted)
 * @param failed     total jobs that ended FAILED or TIMED_OUT (a worker's error, lost worker, or timeout)
 * @param retried    total times a job went back to the queue: its worker was lost, or it was retried
 */
public record JobCounts(long inQueue, long inProgress, long completed, long failed, long retried) {}
