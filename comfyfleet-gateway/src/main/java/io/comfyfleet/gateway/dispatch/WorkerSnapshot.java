package io.comfyfleet.gateway.dispatch;

import java.time.Instant;

/**
 * What the gateway has heard from one worker, for the autoscaler.
 *
 * @param jobsInProgress jobs it holds now (given to it and not finished; at least 1 while it says it is busy)
 * @param lastSeen       its last call to the gateway; now, while it waits in a job-take
 * @param idleSince      when its last job ended, or when it first called if it never had one; null while busy
 * @param unhealthy      its ping reported a failed self-check
 * @param stopRequested  it asked to be replaced after its job ({@code stopPod})
 */
public record WorkerSnapshot(int jobsInProgress, Instant lastSeen, Instant idleSince, boolean unhealthy,
        boolean stopRequested) {}
