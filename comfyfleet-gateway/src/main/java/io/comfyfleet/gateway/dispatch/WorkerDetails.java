package io.comfyfleet.gateway.dispatch;

import java.time.Instant;
import java.util.List;

/**
 * One live worker as the gateway knows it, for the dashboard.
 *
 * @param state         {@code idle}, {@code running} or {@code unhealthy}
 * @param firstSeen     when this gateway first heard from it (a restarted gateway starts counting again)
 * @param lastSeen      when it last called
 * @param jobs          the jobs it holds now
 * @param lastJob       the job it was given most recently, null if none yet
 * @param stopRequested it asked to be replaced after its job ({@code stopPod})
 */
public record WorkerDetails(String workerId, String state, Instant firstSeen, Instant lastSeen, List<String> jobs,
        String lastJob, boolean stopRequested) {}
