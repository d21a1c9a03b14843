package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Jobs whose worker's final word is written and whose commit is syncing (SQLite's early notice, see
 * {@link io.comfyfleet.core.job.JobStore#finish(String, String, String, io.comfyfleet.core.job.JobState, String,
 * String, java.time.Instant, java.util.function.Consumer)}). A {@code /runsync} or {@code /status} of such a job is
 * answered with its end at once instead of after the sync: every later write about the job is applied after this
 * one, so what the client is told is what the store will hold. Should the commit fail, the job is dropped from here and
 * its worker, whose job-done was refused, posts the same result again.
 */
final class EndingJobs {
    private final ConcurrentHashMap<String, Job> ending = new ConcurrentHashMap<>();

    void ending(Job job) {
        ending.put(job.id(), job);
    }

    /** The job's end, while its commit syncs; null otherwise (the store then holds the truth). */
    Job get(String jobId) {
        return ending.get(jobId);
    }

    /** Committed or failed: from now on the store answers. */
    void settled(String jobId) {
        ending.remove(jobId);
    }

    int size() {
        return ending.size();
    }
}
