package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoint and expiry of each job this gateway handed to a worker, so the worker's progress posts and its
 * result need not read the job back from the store only to check that it belongs to the endpoint.
 *
 * <p>A job never changes endpoint, so a remembered endpoint stays right; whether the job still runs for the
 * worker is left to the store's conditional write, which refuses anything else. Only the expiry can move
 * ({@code /status?ttl=}): past the remembered one the caller reads the job as before. Jobs handed out by
 * another gateway on the same database are simply not known here.
 */
final class HandedOutJobs {
    /** How often (in jobs handed out) entries past their expiry are dropped: jobs that never reported back. */
    static final int PRUNE_EVERY = 1024;

    private record Entry(String endpoint, Instant expiresAt) {}

    private final ConcurrentHashMap<String, Entry> jobs = new ConcurrentHashMap<>();
    private final AtomicInteger sincePrune = new AtomicInteger();

    void handedOut(Job job, Instant now) {
        jobs.put(job.id(), new Entry(job.endpoint(), job.expiresAt()));
        if (sincePrune.incrementAndGet() >= PRUNE_EVERY) {
            sincePrune.set(0);
            jobs.values().removeIf(e -> !now.isBefore(e.expiresAt()));
        }
    }

    /** True when the job was handed out here for {@code endpoint} and has not expired at {@code now}. */
    boolean isLiveOf(String jobId, String endpoint, Instant now) {
        Entry entry = jobs.get(jobId);
        return entry != null && entry.endpoint().equals(endpoint) && now.isBefore(entry.expiresAt());
    }

    /** The job ended, went back to the queue, or its result was refused: later posts about it read the store. */
    void forget(String jobId) {
        jobs.remove(jobId);
    }

    int size() {
        return jobs.size();
    }
}
