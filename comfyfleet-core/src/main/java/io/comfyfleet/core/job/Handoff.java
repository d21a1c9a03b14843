package io.comfyfleet.core.job;

import java.util.List;

/**
 * What {@link JobStore#enqueueAndClaim} did in its one transaction.
 *
 * @param queued  the new job as inserted (IN_QUEUE; it may be among {@code claimed} already)
 * @param claimed the jobs claimed for the waiting worker, oldest first (may be empty, or older jobs only)
 */
public record Handoff(Job queued, List<Job> claimed) {
    public Handoff {
        claimed = List.copyOf(claimed);
    }

    /** True when the new job itself went to the worker. */
    public boolean queuedJobClaimed() {
        return claimed.stream().anyMatch(j -> j.id().equals(queued.id()));
    }
}
