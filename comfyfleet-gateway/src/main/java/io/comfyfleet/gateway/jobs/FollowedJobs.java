package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest known state of each job someone follows live (the SSE events route), so followers woken by a
 * change need not each read the job back from the store.
 *
 * <p>What is kept is only ever what the store holds: a follower's own read of the store, a terminal state as
 * the store returned it, or such a state with a progress update applied (progress changes nothing but the
 * output of a job IN_PROGRESS for the posting worker, and the store accepted it). Any other change drops the
 * kept state, so the next follower reads the store. Every change counts up the job's {@code seq}; a follower's
 * read is kept only when no change came between the moment it looked at {@code seq} and its read, so an older
 * read never replaces newer news.
 */
final class FollowedJobs {
    private static final class Entry {
        int followers;
        // both changed only inside the map's compute on this key
        volatile long seq;
        volatile Job latest;
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    void follow(String jobId) {
        entries.compute(jobId, (k, e) -> {
            Entry entry = e == null ? new Entry() : e;
            entry.followers++;
            return entry;
        });
    }

    void unfollow(String jobId) {
        entries.computeIfPresent(jobId, (k, e) -> --e.followers == 0 ? null : e);
    }

    /** The job's change count now, to pass to {@link #offer} after reading the store; -1 when not followed. */
    long seq(String jobId) {
        Entry entry = entries.get(jobId);
        return entry == null ? -1 : entry.seq;
    }

    /** The job as read from the store, kept when nothing changed since {@code seq} was taken. */
    void offer(Job job, long seq) {
        entries.computeIfPresent(job.id(), (k, e) -> {
            if (e.seq == seq) {
                e.latest = job;
            }
            return e;
        });
    }

    /** Drops every kept state: the next follower of each job reads the store. */
    void forgetAll() {
        entries.replaceAll((k, e) -> {
            e.seq++;
            e.latest = null;
            return e;
        });
    }

    /** The latest known state, or null when the store must be read. */
    Job latest(String jobId) {
        Entry entry = entries.get(jobId);
        return entry == null ? null : entry.latest;
    }

    /** The job changed to {@code job} (as the store returned it), or in an unknown way when it is null. */
    void changed(String jobId, Job job) {
        entries.computeIfPresent(jobId, (k, e) -> {
            e.seq++;
            e.latest = job;
            return e;
        });
    }

    /** The store accepted a progress update of {@code workerId}: only the output of the running job changed. */
    void progressed(String jobId, String workerId, String outputJson) {
        entries.computeIfPresent(jobId, (k, e) -> {
            e.seq++;
            Job known = e.latest;
            e.latest = known != null && known.state() == JobState.IN_PROGRESS && workerId.equals(known.workerId())
                    ? withOutput(known, outputJson) : null;
            return e;
        });
    }

    int size() {
        return entries.size();
    }

    private static Job withOutput(Job j, String outputJson) {
        return new Job(j.id(), j.endpoint(), j.state(), j.inputJson(), j.webhook(), j.s3ConfigJson(), j.policy(),
                j.maxRetries(), outputJson, j.error(), j.workerId(), j.retries(), j.createdAt(), j.startedAt(),
                j.finishedAt(), j.leaseUntil(), j.expiresAt());
    }
}
