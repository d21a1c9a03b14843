package io.comfyfleet.core.job;

/** The job half of RunPod's {@code /health}: live counts plus totals since the store was created. */
public record JobCounts(long inQueue, long inProgress, long completed, long failed, long retried) {}
