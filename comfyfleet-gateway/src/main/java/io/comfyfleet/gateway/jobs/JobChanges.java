package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Handoff;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.core.queue.SweepReport;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Every job state change the gateway makes, each paired with the notices it owes: a job queued wakes a
 * waiting job-take, a job that changed wakes its {@code /status}, {@code /runsync} and {@code /stream} waits,
 * the dashboard and its webhook, and a job its worker must drop gets a stop order. A store write made
 * around this class would leave those waiting silently, so the services change jobs only through here.
 *
 * <p>The notices follow the store's commit: whoever they wake reads the job as changed.
 */
final class JobChanges {
    private final JobStore store;
    private final JobEvents events;

    JobChanges(JobStore store, JobEvents events) {
        this.store = store;
        this.events = events;
    }

    /** Stores a new job; a job-take waiting on its endpoint is woken to claim it. */
    Job enqueue(NewJob job) {
        Job stored = store.enqueue(job);
        events.queued(stored.endpoint());
        return stored;
    }

    /**
     * Stores a new job and claims for a reserved job-take in the same transaction (see
     * {@link JobStore#enqueueAndClaim(NewJob, String, int, Instant, Consumer)}: {@code ordered} hears of the claim
     * as soon as the store orders later writes after it, possibly while the commit syncs); when the new job was
     * not among those claimed, another job-take is woken once committed.
     */
    Handoff enqueueAndClaim(NewJob job, String workerId, int max, Instant leaseUntil, Consumer<Handoff> ordered) {
        Handoff handoff = store.enqueueAndClaim(job, workerId, max, leaseUntil, ordered);
        if (!handoff.queuedJobClaimed()) {
            events.queued(job.endpoint());
        }
        return handoff;
    }

    /**
     * The worker's final word (COMPLETED or FAILED); no stop order, as the worker itself ended the job. Those
     * waiting for the job's end hear of it once the store has ordered it, possibly while its commit syncs; the
     * worker is answered once it is committed.
     */
    Job finish(String endpoint, String jobId, String workerId, JobState outcome, String outputJson, String error,
            Instant now) {
        AtomicBoolean told = new AtomicBoolean();
        Job job;
        try {
            job = store.finish(endpoint, jobId, workerId, outcome, outputJson, error, now, ended -> {
                told.set(true);
                events.ending(ended);
            });
        } catch (RuntimeException e) {
            // only a commit that failed after the early notice takes it back; a refused finish (a worker's
            // repeated job-done) told nothing, and another finish of the job may be syncing
            if (told.get()) {
                events.notEnded(jobId);
            }
            throw e;
        }
        events.changed(job);
        return job;
    }

    /**
     * Deletes the endpoint's queued jobs; whoever waits on one of them is answered at once (it is gone). Returns how
     * many were deleted.
     */
    int purgeQueue(String endpoint, Instant now) {
        java.util.List<String> purged = store.purgeQueue(endpoint, now);
        events.purged(purged);
        return purged.size();
    }

    /** Cancels a queued or running job; its worker, if any, is told to stop it. */
    Job cancel(String jobId, Instant now) {
        Job job = store.cancel(jobId, now);
        ended(job);
        return job;
    }

    /** A FAILED or TIMED_OUT job back in the queue. */
    Job retry(String jobId, Instant now) {
        Job job = store.retry(jobId, now);
        requeued(job);
        return job;
    }

    /**
     * Jobs claimed for a worker that never received them (its job-take's client was gone), back in the queue as
     * before their claim, without counting a retry; a waiting job-take is woken for each.
     */
    List<Job> unclaim(String workerId, List<Job> jobs) {
        List<Job> back = store.unclaim(workerId, jobs.stream().map(Job::id).toList());
        back.forEach(this::requeued);
        return back;
    }

    /**
     * Of the jobs a worker says it runs, those not running for it on this endpoint (cancelled, timed out, given to
     * another worker, deleted, of another endpoint) get a stop order.
     */
    void stopThoseNotRunning(String endpoint, String workerId, Collection<String> jobIds) {
        for (String gone : store.notRunningFor(endpoint, workerId, jobIds)) {
            events.stop(endpoint, workerId, gone);
        }
    }

    /**
     * The unfinished jobs of a worker that was stopped on purpose and is gone, back in the queue without counting a
     * retry; waiting job-takes are woken. No stop order: there is nobody left to tell.
     */
    java.util.List<Job> handBack(String workerId, Instant now) {
        java.util.List<Job> jobs = store.handBack(workerId, now);
        for (Job job : jobs) {
            events.queued(job.endpoint());
            events.handedBack(job, workerId);
        }
        return jobs;
    }

    /** The notices of the changes one sweep of {@link io.comfyfleet.core.queue.QueueSweeper} made in the store. */
    void swept(SweepReport report) {
        // no stop order for a requeued job: the same worker may take it again at once, and a late order would
        // stop the new run; a worker that is alive learns from its next ping instead
        report.requeued().forEach(this::requeued);
        report.failed().forEach(this::ended);
        report.timedOut().forEach(this::ended);
    }

    private void requeued(Job job) {
        events.queued(job.endpoint());
        events.changed(job);
    }

    /** A job ended by the gateway: its worker, if it had one, must stop it; {@code changed} sends the webhook. */
    private void ended(Job job) {
        events.stop(job);
        events.changed(job);
    }
}
