package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Handoff;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobIdTakenException;
import io.comfyfleet.core.job.JobIds;
import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.core.job.StreamChunk;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.dispatch.AffinityRouter;
import io.comfyfleet.gateway.dispatch.Handoffs;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * The client side of an endpoint: submit, look at, wait for, stream, cancel, retry and purge jobs.
 *
 * <p>A job of another endpoint is reported as not found, so endpoints cannot see each other's jobs.
 * Waiting calls block the calling (virtual) thread and are woken by {@link JobEvents}, never by polling.
 */
public final class JobService {
    private final JobStore store;
    private final JobEvents events;
    private final JobChanges changes;
    private final WorkerRegistry workers;
    private final Clock clock;
    private final AffinityRouter router;
    /** RunPod answers a /stream poll with what is there; a long stream comes over several polls. */
    private static final int MAX_CHUNKS_PER_STREAM_CALL = 1000;

    private final JobIds ids = new JobIds();

    public JobService(JobStore store, JobEvents events, WorkerRegistry workers, Clock clock) {
        this(store, events, workers, clock, AffinityRouter.fifo(store, workers));
    }

    /** @param router which parked job-take a new job wakes (model-affinity routing) */
    public JobService(JobStore store, JobEvents events, WorkerRegistry workers, Clock clock, AffinityRouter router) {
        this.store = store;
        this.events = events;
        this.changes = new JobChanges(store, events);
        this.workers = workers;
        this.clock = clock;
        this.router = router;
    }

    /**
     * Stores a new IN_QUEUE job (durably: synced before this returns). When a worker waits in job-take, the
     * same transaction claims for it and the claimed jobs are handed to its long-poll as soon as the store has
     * ordered the worker's later writes after that transaction, which on SQLite is while the commit syncs: the
     * worker starts a sync earlier, and the client still learns of the job only once it is durable. Otherwise a
     * waiting job-take is woken to claim. {@code sync} marks a runsync job. Returns the job as queued.
     */
    public Job submit(EndpointConfig endpoint, RunRequest request, boolean sync) {
        return submit(endpoint, request, sync, null);
    }

    /**
     * As {@link #submit(EndpointConfig, RunRequest, boolean)}; with an idempotency key, the job's id is made from
     * the endpoint and the key ({@link JobIds#forKey}), so a repeated request (through this or another gateway)
     * finds the job the first one queued and gets it as it is now, instead of queuing a second one.
     *
     * @throws IdempotencyKeyReusedException when the key's job was queued for a different request, or has expired
     */
    public Job submit(EndpointConfig endpoint, RunRequest request, boolean sync, String idempotencyKey) {
        String id = idempotencyKey != null ? JobIds.forKey(endpoint.name(), idempotencyKey, sync)
                : sync ? ids.nextSync() : ids.next();
        NewJob job = new NewJob(id, endpoint.name(), request.inputJson(),
                request.webhook(), request.s3ConfigJson(), request.policy(), endpoint.maxRetries(), clock.instant());
        try {
            return enqueue(endpoint, job);
        } catch (JobIdTakenException taken) {
            if (idempotencyKey == null) {
                throw taken;
            }
            Job earlier = keptFor(job);
            if (earlier == null) {
                // deleted since the refused insert (retention, purge-queue, TTL sweep)? Then the key is free: once
                // more, so a job past its TTL but still kept (the insert refused again) is told as such
                try {
                    return enqueue(endpoint, job);
                } catch (JobIdTakenException stillTaken) {
                    earlier = keptFor(job);
                }
            }
            return queuedBefore(job, request, idempotencyKey, earlier);
        }
    }

    /** The job stored under the new job's id, as a client sees it now; null when not (deleted, or past its TTL). */
    private Job keptFor(NewJob job) {
        try {
            return status(job.endpoint(), job.id());
        } catch (JobNotFoundException gone) {
            return null;
        }
    }

    private Job enqueue(EndpointConfig endpoint, NewJob job) {
        // model-affinity routing, when workers report models: no hand-over (it would take the oldest jobs for the
        // longest-waiting worker); the job is queued and a worker holding its models woken to claim it
        Predicate<String> affine = router.affineTakers(endpoint.name(), job.id(), job.inputJson());
        if (affine != null) {
            Job stored = store.enqueue(job);
            events.takers().wakeOne(endpoint.name(), affine);
            return stored;
        }
        Handoffs.Waiter taker = events.takers().reserve(endpoint.name(), w -> !workers.isRetired(w));
        if (taker == null) {
            return changes.enqueue(job);
        }
        Handoff handoff;
        try {
            handoff = changes.enqueueAndClaim(job, taker.workerId(), taker.max(), job.createdAt().plus(taker.lease()),
                    ordered -> taker.give(ordered.claimed()));
        } catch (RuntimeException e) {
            taker.give(List.of()); // unless given already: then it looks at the store itself
            throw e;
        }
        return handoff.queued();
    }

    /**
     * The job an earlier request with the same idempotency key queued ({@code earlier}, null when its id is taken but
     * it cannot be read), if that request was this one.
     */
    private Job queuedBefore(NewJob job, RunRequest request, String key, Job earlier) {
        if (earlier == null) {
            throw new IdempotencyKeyReusedException("the Idempotency-Key \"" + key + "\" named job " + job.id()
                    + ", which has expired (its ttl) but is still kept: send a new key for a new job");
        }
        if (!SameRequest.asQueued(earlier, job, request.executionTimeoutGiven())) {
            throw new IdempotencyKeyReusedException("the Idempotency-Key \"" + key + "\" was used for another"
                    + " request on endpoint " + job.endpoint() + " (job " + earlier.id() + ", " + earlier.state()
                    + "): a key stands for one request; send a new key for a new job");
        }
        return earlier;
    }

    /**
     * The job as it is now; a job whose end is written while its commit syncs is answered as ended (see
     * {@link EndingJobs}).
     *
     * @throws JobNotFoundException when unknown, expired, deleted, or of another endpoint
     */
    public Job status(String endpoint, String jobId) {
        Job ending = events.endingNow(jobId);
        if (ending != null && ending.endpoint().equals(endpoint)) {
            return ending;
        }
        return store.find(jobId, clock.instant())
                .filter(j -> j.endpoint().equals(endpoint))
                .orElseThrow(() -> notFound(endpoint, jobId));
    }

    private JobNotFoundException notFound(String endpoint, String jobId) {
        return wasPurged(endpoint, jobId)
                ? new JobNotFoundException(jobId, "it was removed from the queue of endpoint " + endpoint
                        + " by purge-queue before a worker took it")
                : new JobNotFoundException(jobId);
    }

    /**
     * True when {@code purge-queue}, through this gateway or another on the store, deleted the job lately: asked of
     * the store, and only for a job not found.
     */
    private boolean wasPurged(String endpoint, String jobId) {
        return store.wasPurged(endpoint, jobId, clock.instant());
    }

    /**
     * Sets the job's TTL ({@code /status?ttl=}, as RunPod documents it): the job's whole lifespan from its
     * submission, like {@code policy.ttl}, and returns the job as it is now.
     *
     * @throws JobNotFoundException when unknown, expired (also by this new TTL), deleted, or of another endpoint
     */
    public Job setTtl(String endpoint, String jobId, Duration ttl) {
        status(endpoint, jobId);
        // the expiry remembered for a running job is no longer right: its worker's posts read the job again
        events.handedOut().forget(jobId);
        try {
            return store.setTtl(jobId, ttl, clock.instant()).orElseThrow(() -> new JobNotFoundException(jobId,
                    "the ttl given, " + ttl.toMillis() + " ms from its submission, had already run out, so it ended"
                            + " and was deleted (a ttl counts from submission, like policy.ttl)"));
        } finally {
            // calls waiting on the job park until its expiry: they read the new one (or find the job gone) now
            events.touched(jobId);
        }
    }

    /**
     * The job once terminal, or as it is when {@code wait} runs out.
     *
     * @throws JobNotFoundException when it is gone, also when its TTL runs out while this waits (answered then)
     */
    public Job awaitEnd(String endpoint, String jobId, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        try (var watch = events.watchJob(jobId)) {
            Job job = null;
            while (true) {
                job = stillThere(endpoint, jobId, job);
                long left = deadline - System.nanoTime();
                if (job.state().isTerminal() || left <= 0 || events.isStopping()) {
                    return job;
                }
                watch.await(park(job, left));
            }
        }
    }

    /**
     * How long a call waiting on {@code job} parks: until its wait ends or the job's TTL runs out, whichever comes
     * first. An expired job is deleted without a signal to its waiters, and RunPod answers 404 for it: waking at
     * the expiry answers the waiting call then, not at the end of a wait of up to 5 minutes. A TTL changed by
     * {@link #setTtl} wakes the waiting calls, so they park until the new expiry. Also for {@link JobFeed}.
     */
    Duration park(Job job, long leftNanos) {
        if (job.expiresAt() == null) {
            return Duration.ofNanos(leftNanos);
        }
        // at least 1 ms: the store counts the job gone from its expiry instant on, so the next read sees it gone
        long untilExpiry = Math.max(Duration.between(clock.instant(), job.expiresAt()).toNanos(), 1_000_000L);
        return Duration.ofNanos(Math.min(leftNanos, untilExpiry));
    }

    /**
     * The job as it is now, for a call that waits on it; {@code seen} is the job as that call last read it (null at
     * first). A job that was there and whose TTL has run out since is a 404 that says so, also when
     * {@code /status?ttl=} (here or at another gateway) gave it a TTL that had already run out.
     */
    Job stillThere(String endpoint, String jobId, Job seen) {
        try {
            return status(endpoint, jobId);
        } catch (JobNotFoundException gone) {
            if (seen == null || seen.expiresAt() == null || wasPurged(endpoint, jobId)) {
                throw gone;
            }
            Instant now = clock.instant();
            Job expired = now.isBefore(seen.expiresAt()) ? expiredEarly(seen, now) : seen;
            if (expired == null) {
                throw gone;
            }
            throw new JobNotFoundException(jobId, "its ttl ran out while this call waited ("
                    + Duration.between(expired.createdAt(), expired.expiresAt()).toMillis() + " ms from its submission,"
                    + " policy.ttl or the endpoint's ttl), so it was deleted, as RunPod deletes an expired job");
        }
    }

    /**
     * The job {@code seen} as stored once a new TTL made it expire before {@code seen}'s expiry, by {@code now};
     * null when it was deleted otherwise. Its row stays until the sweeper deletes it; the store counts it gone from
     * its expiry on, so it is read as of its submission, when its TTL (always positive) had not run out.
     */
    private Job expiredEarly(Job seen, Instant now) {
        return store.find(seen.id(), seen.createdAt())
                .filter(j -> j.expiresAt() != null && !now.isBefore(j.expiresAt()))
                .orElse(null);
    }

    /**
     * The chunks streamed since the previous call (by any client, through any gateway on the store: the read
     * cursor is stored with the job, so a restart does not send chunks again); when there are none and the
     * job is still running, holds up to {@code wait} for one.
     *
     * @throws JobNotFoundException when it is gone, also when its TTL runs out while this waits (answered then)
     */
    public StreamBatch stream(String endpoint, String jobId, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        try (var watch = events.watchJob(jobId)) {
            Job job = null;
            while (true) {
                // read the state before draining: chunks are only added while IN_PROGRESS, so a terminal
                // job read first has all its chunks in this drain
                job = stillThere(endpoint, jobId, job);
                List<StreamChunk> chunks = store.drainStream(jobId, MAX_CHUNKS_PER_STREAM_CALL);
                long left = deadline - System.nanoTime();
                if (!chunks.isEmpty() || job.state().isTerminal() || left <= 0 || events.isStopping()) {
                    return new StreamBatch(job, chunks);
                }
                watch.await(park(job, left));
            }
        }
    }

    /** Cancels a queued or running job; a running job's worker is told to stop it. */
    public Job cancel(String endpoint, String jobId) {
        status(endpoint, jobId);
        return changes.cancel(jobId, clock.instant());
    }

    /** Puts a FAILED or TIMED_OUT job back in the queue under the same id. */
    public Job retry(String endpoint, String jobId) {
        status(endpoint, jobId);
        return changes.retry(jobId, clock.instant());
    }

    /**
     * Deletes the endpoint's queued jobs; returns how many. Calls waiting on one of them ({@code /runsync},
     * {@code /status-sync}, {@code /stream}) are answered at once: 404, the job was purged; so is a call about one
     * through any gateway on the store for {@link JobStore#PURGES_KEPT}.
     */
    public int purgeQueue(String endpoint) {
        return changes.purgeQueue(endpoint, clock.instant());
    }

    public Health health(String endpoint) {
        return new Health(store.counts(endpoint), workers.counts(endpoint), workers.versions(endpoint),
                workers.lastFailure(endpoint).orElse(null));
    }
}
