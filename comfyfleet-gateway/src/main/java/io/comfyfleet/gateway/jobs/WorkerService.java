package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStateConflictException;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.dispatch.AffinityRouter;
import io.comfyfleet.gateway.dispatch.TakerConnection;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The worker side of an endpoint (RunPod worker protocol, PROTOCOL.md §2): take jobs, report progress,
 * stream chunks and results, learn which jobs to stop, and keep leases alive with pings.
 */
public final class WorkerService {
    private static final Logger log = LoggerFactory.getLogger(WorkerService.class);

    private final JobStore store;
    private final JobEvents events;
    private final JobChanges changes;
    private final WorkerRegistry registry;
    private final Clock clock;
    private final Duration lease;
    private final HandedOutJobs handedOut;
    private final AffinityRouter router;

    public WorkerService(JobStore store, JobEvents events, WorkerRegistry registry, Clock clock, Duration lease) {
        this(store, events, registry, clock, lease, AffinityRouter.fifo(store, registry));
    }

    /** @param router which queued jobs a job-take claims (model-affinity routing) */
    public WorkerService(JobStore store, JobEvents events, WorkerRegistry registry, Clock clock, Duration lease,
            AffinityRouter router) {
        this.router = router;
        this.store = store;
        this.events = events;
        this.changes = new JobChanges(store, events);
        this.registry = registry;
        this.clock = clock;
        this.lease = lease;
        this.handedOut = events.handedOut();
    }

    /**
     * Up to {@code max} queued jobs for the worker, leased to it; when none is queued, waits up to
     * {@code hold} and takes the first one queued meanwhile (usually handed over by {@code /run}, see
     * {@link io.comfyfleet.gateway.dispatch.Handoffs}). Empty when nothing came.
     */
    public List<Job> take(String endpoint, String workerId, int max, boolean busy, Duration hold)
            throws InterruptedException {
        return take(endpoint, workerId, max, busy, null, hold, TakerConnection.UNWATCHED);
    }

    /**
     * As {@link #take(String, String, int, boolean, Duration)}, recording the version the worker announced (may be
     * null) and watching the job-take's {@code connection} while it waits: once its client hung up, it leaves the
     * line and answers empty, and jobs handed to it in that moment go back to the queue unsent, without counting a
     * retry.
     */
    public List<Job> take(String endpoint, String workerId, int max, boolean busy, String version, Duration hold,
            TakerConnection connection) throws InterruptedException {
        registry.askedForJobs(endpoint, workerId, busy, version);
        long deadline = System.nanoTime() + hold.toNanos();
        TakerConnection.Watch watch = null;
        try (var waiter = events.takers().enter(endpoint, workerId, max, lease)) {
            while (true) {
                if (registry.isRetired(workerId)) {
                    // the autoscaler stopped this worker while its long-poll was parked: the connection may
                    // outlive the process, and a job claimed for it would wait out a whole lease
                    return List.of();
                }
                if (waiter.isHungUp()) {
                    // its client gave up (an HTTP timeout or a proxy shorter than the hold): the answer reaches nobody
                    return List.of();
                }
                long seen = waiter.generation();
                Instant now = clock.instant();
                // model-affinity routing (AffinityRouter): FIFO, or the jobs whose models this worker holds first
                AffinityRouter.Claim claim = router.claim(endpoint, workerId, max, now, now.plus(lease));
                List<Job> jobs = claim.jobs();
                if (jobs.isEmpty()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || events.isStopping()) {
                        return List.of();
                    }
                    if (watch == null) {
                        watch = connection.watch(waiter::hangUp);
                    }
                    // a new job is usually handed over here, claimed for this worker in the job's own commit; with
                    // affinity routing the wait also ends when a job kept for a busy affine worker becomes this one's
                    jobs = waiter.await(seen, claim.parkFor(Duration.ofNanos(left), now));
                }
                if (!jobs.isEmpty() && waiter.isHungUp()) {
                    // handed over as its client left: nothing was sent, so nothing ran
                    putBack(endpoint, workerId, jobs, "its job-take's client hung up");
                    return List.of();
                }
                if (!jobs.isEmpty()) {
                    registry.gaveJobs(endpoint, workerId, jobs.stream().map(Job::id).toList());
                    for (Job job : jobs) {
                        handedOut.handedOut(job, now);
                    }
                    jobs.forEach(events::taken);
                    return jobs;
                }
            }
        } finally {
            if (watch != null) {
                watch.close();
            }
            registry.stoppedAsking(endpoint, workerId);
        }
    }

    /**
     * Jobs given to the worker whose answer could not be written (the connection failed under it): the worker never
     * received them, so they go back to the queue at once, without counting a retry. Those no longer running for
     * it are left alone.
     */
    public void unsent(String endpoint, String workerId, List<Job> jobs) {
        for (Job job : jobs) {
            registry.finished(endpoint, workerId, job.id());
        }
        putBack(endpoint, workerId, jobs, "the answer to its job-take could not be written");
    }

    private void putBack(String endpoint, String workerId, List<Job> jobs, String why) {
        List<Job> back = changes.unclaim(workerId, jobs);
        log.info("{} job(s) claimed for worker {} of endpoint {} never reached it ({}); {} back in the queue: {}",
                jobs.size(), workerId, endpoint, why, back.size(), back.stream().map(Job::id).toList());
    }

    /**
     * The model files the worker reported holding on its job-take ({@code &models=}, model-affinity routing); a
     * worker that never sends them (RunPod's workers) holds none as far as routing knows.
     */
    public void reportedModels(String endpoint, String workerId, Set<String> models) {
        registry.reportedModels(endpoint, workerId, models);
    }

    /** The cold start the worker reported on its job-take, kept with the worker for {@code /admin} and the dashboard. */
    public void reportedColdStart(String endpoint, String workerId, io.comfyfleet.gateway.dispatch.ColdStartReport report) {
        registry.reportedColdStart(endpoint, workerId, report);
    }

    /**
     * A job-done POST. {@code status: IN_PROGRESS} is a progress update (ignored once the job has ended);
     * an {@code error} ends the job FAILED; anything else ends it COMPLETED with {@code output}. The worker's
     * {@code stopPod} (and the end of its job, for {@code /health} and the autoscaler) is recorded only once the post
     * is taken: a refused post (404, 409) and an ignored progress update change nothing about the worker, so a
     * healthy worker whose late or misdirected post was refused is not stopped for it.
     *
     * @throws JobNotFoundException        when the job does not exist (or is of another endpoint)
     * @throws JobStateConflictException   when the job is not running for this worker
     * @throws InvalidRequestException     when the body is not a JSON object
     */
    public void done(String endpoint, String workerId, String jobId, JsonNode body) {
        if (!body.isObject()) {
            throw new InvalidRequestException("a job-done body must be a JSON object like {\"output\": ...}, got "
                    + RunRequest.kind(body));
        }
        Instant now = clock.instant();
        // a job handed out here is known to be of this endpoint: the store's conditional write checks the rest,
        // and the job is read only when that write refuses (for the 404 of a job gone, or the retry check)
        Job current = handedOut.isLiveOf(jobId, endpoint, now) ? null : jobOf(endpoint, jobId);
        JsonNode output = body.get("output");
        String outputJson = output == null ? null : WorkerBodies.storable(output);
        boolean stopPod = body.path("stopPod").asBoolean(false);
        if ("IN_PROGRESS".equals(body.path("status").asString(null))) {
            registry.seen(endpoint, workerId);
            if (store.recordProgress(endpoint, jobId, workerId, outputJson, now.plus(lease))) {
                events.progressed(jobId, workerId, outputJson);
                if (stopPod) {
                    registry.stopRequested(endpoint, workerId);
                }
            } else {
                Job seen = current != null ? current : jobOf(endpoint, jobId);
                if (log.isDebugEnabled()) {
                    log.debug("progress for job {} from worker {} ignored: the job is {}", jobId, workerId,
                            seen.state());
                }
            }
            return;
        }
        JsonNode error = body.get("error");
        boolean failed = error != null && !error.isNull();
        String errorText = !failed ? null
                : WorkerBodies.storableText(error.isString() ? error.asString() : error.toString());
        try {
            changes.finish(endpoint, jobId, workerId, failed ? JobState.FAILED : JobState.COMPLETED, outputJson,
                    errorText, now);
            handedOut.forget(jobId);
        } catch (JobStateConflictException e) {
            handedOut.forget(jobId);
            Job seen = current != null ? current : jobOf(endpoint, jobId);
            // the worker's HTTP client retries a job-done whose answer it lost: the same result twice is fine
            if (!(seen.state().isTerminal() && workerId.equals(seen.workerId())
                    && seen.state() == (failed ? JobState.FAILED : JobState.COMPLETED))) {
                throw e;
            }
        } catch (JobNotFoundException e) {
            handedOut.forget(jobId);
            throw e;
        }
        registry.finished(endpoint, workerId, jobId);
        if (stopPod) {
            registry.stopRequested(endpoint, workerId);
        }
    }

    /**
     * A job-done body over the gateway's limit ({@code server.maxWorkerBody}): the result cannot be stored, and
     * RunPod's worker does not post it again after a 4xx (PROTOCOL.md §2.3). Left IN_PROGRESS, the job would wait out
     * its lease and then run again, as large as before, until its retries ran out; so it ends FAILED here with an
     * error that says why. Unread, the body may have been a progress update: it is taken as the result all the same.
     *
     * @return true when the job was ended here; false when it was not running for this worker (nothing changes)
     */
    public boolean resultTooLarge(String endpoint, String workerId, String jobId, long limit) {
        String error = "the worker's result was not stored: its job-done body is larger than the gateway's limit of "
                + limit + " bytes (server.maxWorkerBody); deliver large outputs to S3 or the gateway's output store"
                + " rather than inline, or raise the limit";
        if (!failTooLarge(endpoint, workerId, jobId, error)) {
            return false;
        }
        log.warn("job {} of endpoint {} failed: the job-done body of worker {} is over the limit of {} bytes", jobId,
                endpoint, workerId, limit);
        registry.finished(endpoint, workerId, jobId);
        return true;
    }

    /**
     * A job-stream body over the gateway's limit ({@code server.maxStreamChunk}): the chunk cannot be stored, and
     * RunPod's worker does not post it again after a 4xx. Dropped while the job ran on, it would be missing from what
     * {@code /stream} readers get, with nothing telling them; so the job ends FAILED here with an error that says
     * why (as a job-done body over its limit does, see {@link #resultTooLarge}), and its worker is told to stop it.
     *
     * @return true when the job was ended here; false when it was not running for this worker (nothing changes)
     */
    public boolean streamChunkTooLarge(String endpoint, String workerId, String jobId, long limit) {
        String error = "a stream chunk of the worker was not stored: its job-stream body is larger than the gateway's"
                + " limit of " + limit + " bytes (server.maxStreamChunk), so the job ended rather than let /stream"
                + " readers miss part of its output; stream smaller chunks (RunPod allows 1 MB), or raise the limit";
        if (!failTooLarge(endpoint, workerId, jobId, error)) {
            return false;
        }
        log.warn("job {} of endpoint {} failed: a job-stream chunk of worker {} is over the limit of {} bytes", jobId,
                endpoint, workerId, limit);
        // unlike after a job-done, the worker still runs it: stopped as a cancel stops it, its pings say when it ends
        events.stop(endpoint, workerId, jobId);
        return true;
    }

    /** Ends the job FAILED with {@code error} if it is running for this worker; false when it is not (nothing changes). */
    private boolean failTooLarge(String endpoint, String workerId, String jobId, String error) {
        try {
            changes.finish(endpoint, jobId, workerId, JobState.FAILED, null, error, clock.instant());
            return true;
        } catch (JobStateConflictException | JobNotFoundException notRunningForIt) {
            return false;
        } finally {
            handedOut.forget(jobId);
        }
    }

    /**
     * A job-stream POST ({@code {"output": chunk}}): appended for {@code /stream} readers. A chunk for a job no
     * longer running for this worker is dropped (its stop order is already on the way).
     */
    public void stream(String endpoint, String workerId, String jobId, JsonNode body) {
        registry.seen(endpoint, workerId);
        if (!body.isObject() || !body.has("output")) {
            throw new InvalidRequestException("a job-stream body must be a JSON object like {\"output\": ...}");
        }
        Instant now = clock.instant();
        boolean known = handedOut.isLiveOf(jobId, endpoint, now);
        if (!known) {
            jobOf(endpoint, jobId);
        }
        if (store.appendStream(endpoint, jobId, workerId, WorkerBodies.storable(body.get("output")), now.plus(lease))) {
            events.touched(jobId);
        } else {
            if (known) {
                jobOf(endpoint, jobId); // a job gone from the store is a 404, as when it is read first
            }
            log.debug("stream chunk for job {} from worker {} dropped: the job is not running for it", jobId, workerId);
        }
    }

    /** Waits up to {@code hold} for jobs the worker must stop; empty when none. */
    public List<String> stopOrders(String endpoint, String workerId, Duration hold) throws InterruptedException {
        registry.seen(endpoint, workerId);
        return events.stops().await(JobEvents.workerKey(endpoint, workerId), hold);
    }

    /**
     * A heartbeat: renews the leases of the listed jobs the worker holds on this endpoint, and orders it to stop
     * those it still runs but no longer owns (cancelled, timed out, given to another worker, deleted, or never of
     * this endpoint: a worker key opens one endpoint, and its pings keep only that endpoint's jobs alive).
     */
    public void ping(String endpoint, String workerId, Collection<String> jobIds, boolean unhealthy) {
        ping(endpoint, workerId, jobIds, unhealthy, null, null);
    }

    /** As {@link #ping(String, String, Collection, boolean)}; an unhealthy ping's check and reason are kept for /health. */
    public void ping(String endpoint, String workerId, Collection<String> jobIds, boolean unhealthy, String check,
            String reason) {
        registry.pinged(endpoint, workerId, jobIds, unhealthy);
        if (unhealthy) {
            registry.gaveUp(endpoint, workerId, check, reason);
        }
        if (jobIds.isEmpty()) {
            return;
        }
        store.renewLeases(endpoint, workerId, jobIds, clock.instant().plus(lease));
        changes.stopThoseNotRunning(endpoint, workerId, jobIds);
    }

    /**
     * Puts the unfinished jobs of a worker that was stopped on purpose and is gone back in the queue at once,
     * without counting a retry, and wakes waiting job-takes. Not a route: RunPod's worker protocol has no call for
     * giving a job back, so whoever stopped the worker (ComfyFleet's own autoscaler) calls this once it is gone.
     *
     * @return the jobs handed back, oldest first
     */
    public List<Job> handBack(String workerId) {
        return changes.handBack(workerId, clock.instant());
    }

    /**
     * Ends the leases of the jobs a worker held that ended on its own (its provider saw it crash or be killed): the
     * next sweep puts them back in the queue with a retry counted, within a sweep interval instead of a lease.
     *
     * @return how many leases were ended
     */
    public int endLeases(String workerId) {
        return store.endLeases(workerId, clock.instant());
    }

    private Job jobOf(String endpoint, String jobId) {
        return store.find(jobId, clock.instant())
                .filter(j -> j.endpoint().equals(endpoint))
                .orElseThrow(() -> new JobNotFoundException(jobId));
    }
}
