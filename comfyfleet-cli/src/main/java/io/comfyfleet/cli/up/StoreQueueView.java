package io.comfyfleet.cli.up;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.fleet.autoscale.QueueView;
import io.comfyfleet.fleet.scale.QueueSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The autoscaler's view of an endpoint's queue, read from the job store: normal-priority IN_QUEUE jobs that are
 * still alive, IN_PROGRESS jobs, and the oldest queued job's acceptance time.
 *
 * <p>The store has no "oldest queued" query, so this reads up to {@link #SCAN_LIMIT} queued jobs (newest first).
 * Past that many, the count comes from the store's totals and the oldest time from the oldest job read: younger
 * than the true oldest, so a very long queue may start its next worker a little late, never early.
 */
final class StoreQueueView implements QueueView {
    static final int SCAN_LIMIT = 5_000;
    private final JobStore store;

    public StoreQueueView(JobStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public QueueSnapshot snapshot(String endpoint, Instant now) {
        JobCounts counts = store.counts(endpoint);
        if (counts.inQueue() == 0) {
            return new QueueSnapshot(0, counts.inProgress(), null);
        }
        List<Job> queued = store.recent(endpoint, Optional.of(JobState.IN_QUEUE), SCAN_LIMIT).stream()
                .filter(j -> j.state() == JobState.IN_QUEUE)
                .filter(j -> j.expiresAt() == null || j.expiresAt().isAfter(now))
                .filter(j -> !j.policy().lowPriority())
                .toList();
        if (queued.isEmpty()) {
            return new QueueSnapshot(0, counts.inProgress(), null);
        }
        Instant oldest = queued.stream().map(Job::createdAt).min(Instant::compareTo).orElseThrow();
        long count = queued.size() == SCAN_LIMIT ? Math.max(counts.inQueue(), SCAN_LIMIT) : queued.size();
        return new QueueSnapshot(count, counts.inProgress(), oldest);
    }
}
