package io.comfyfleet.gateway.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Set;

/**
 * The jobs {@code purge-queue} deleted here lately, so that a call about one (the {@code /runsync},
 * {@code /status-sync} or {@code /stream} it woke, a later {@code /status}) says it was purged instead of "unknown
 * id". The job is gone either way (404), as RunPod removes purged jobs.
 *
 * <p>Kept in memory for {@link #REMEMBERED}, at most about {@link #MAX_IDS} ids (older purges are forgotten first):
 * after that, or on another gateway of the same database, a purged job is an unknown one, as after its TTL.
 */
final class PurgedJobs {
    static final Duration REMEMBERED = Duration.ofMinutes(10);
    static final int MAX_IDS = 100_000;

    private record Purge(String endpoint, Instant at, Set<String> ids) {}

    // purges are few (RunPod allows two per 10 s): a short list, looked at only when a job is not found
    private final Deque<Purge> purges = new ArrayDeque<>();
    private int ids;

    synchronized void purged(String endpoint, Collection<String> jobIds, Instant now) {
        if (!jobIds.isEmpty()) {
            purges.addLast(new Purge(endpoint, now, Set.copyOf(jobIds)));
            ids += jobIds.size();
        }
        forgetOld(now);
    }

    /** True when {@code jobId} of {@code endpoint} was purged here within {@link #REMEMBERED} of {@code now}. */
    synchronized boolean wasPurged(String endpoint, String jobId, Instant now) {
        forgetOld(now);
        for (Purge p : purges) {
            if (p.endpoint().equals(endpoint) && p.ids().contains(jobId)) {
                return true;
            }
        }
        return false;
    }

    private void forgetOld(Instant now) {
        Instant cutoff = now.minus(REMEMBERED);
        while (!purges.isEmpty() && (purges.peekFirst().at().isBefore(cutoff) || ids > MAX_IDS && purges.size() > 1)) {
            ids -= purges.removeFirst().ids().size();
        }
    }
}
