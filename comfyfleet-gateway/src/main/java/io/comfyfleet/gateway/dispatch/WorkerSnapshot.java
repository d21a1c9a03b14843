package io.comfyfleet.gateway.dispatch;

import java.time.Instant;

/**
 * One live worker as the gateway last heard from it.
 *
 * @param workerId      its id ({@code RUNPOD_POD_ID})
 * @param jobs          jobs it holds now (1 when it says it is busy without naming them)
 * @param lastSeen      when it last called
 * @param idleSince     when its last job ended, or when it first called if it never had one; null while busy
 * @param unhealthy     its ping reported a failed self-check
 * @param stopRequested it asked to be replaced after its job ({@code stopPod})
 */
public record WorkerSnapshot(String workerId, int jobs, Instant lastSeen, Instant idleSince, boolean unhealthy,
        boolean stopRequested) {}
