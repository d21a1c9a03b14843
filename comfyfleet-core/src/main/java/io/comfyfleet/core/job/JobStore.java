package io.comfyfleet.core.job;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The durable job store: one contract, one implementation per database (SQLite, PostgreSQL).
 *
 * <p>Every method is atomic. Every state change names the states it expects and goes through
 * {@link JobState#canMoveTo}; a job in another state gives {@link JobStateConflictException}. Methods that
 * change a job return it as stored after the change. A job id unknown to the store gives
 * {@link JobNotFoundException}. When a method returns, its change is committed: it survives the process
 * crashing. Most changes are also synced to disk (they survive a power loss) before the method returns:
 * {@code enqueue}, {@code finish}, {@code cancel}, {@code retry}, {@code purgeQueue}, {@code expireLeases},
 * {@code handBack}, {@code timeOutOverdue}. The others ({@code claim}, {@code unclaim}, {@code recordProgress}, {@code appendStream},
 * {@code drainStream}, {@code renewLeases}, {@code deleteExpired}) may reach the disk with the next synced
 * change instead, since losing one only repeats work: after a power cut a claimed job may be back IN_QUEUE
 * and run again, a stream chunk may be sent twice. This keeps a claim far below a disk sync's latency.
 *
 * <p>The store never reads a clock: every time comes from the {@code Instant} arguments, and is kept to the
 * millisecond. A job whose TTL ran out at {@code now} is treated as gone (not found) by the methods that take
 * {@code now}. A failure of the database itself gives {@link JobStoreException}.
 *
 * <p>The writes a worker makes about a job (progress, stream chunks, its result, lease renewals) name the endpoint
 * whose route the worker called, and touch only a job of that endpoint: a worker key opens one endpoint, so a
 * job of another endpoint is, to that worker, a job that does not exist.
 */
public interface JobStore extends AutoCloseable {

    /** Stores a new IN_QUEUE job. */
    Job enqueue(NewJob job);

    /**
     * Stores a new IN_QUEUE job and, in the same transaction, claims up to {@code max} queued jobs of its
     * endpoint for a worker that is waiting for work, exactly as {@link #claim} would right after: oldest
     * first (the new job only when no older one waits), leased until {@code leaseUntil}, started at the new
     * job's {@code createdAt}. One commit instead of two puts a job in a waiting worker's hands sooner; the
     * claim is synced with the job, as durable as {@link #enqueue}. A refused job (id taken) claims nothing.
     */
    Handoff enqueueAndClaim(NewJob job, String workerId, int max, Instant leaseUntil);

    /**
     * As {@link #enqueueAndClaim(NewJob, String, int, Instant)}, telling {@code ordered} what the transaction did as
     * soon as every later write of this store is sure to come after it, which may be before it is synced: a store
     * that runs its writes one after another on one connection (SQLite) calls it once the statements ran and
     * while the commit syncs; others once committed. A waiting worker handed its jobs from there starts while the
     * disk syncs, and whatever it writes about them later (progress, result, lease) is applied after this
     * transaction. When the commit then fails the caller gets the failure and the claim is undone: the worker's
     * later writes about the new job are refused as for any unknown job, and an older job claimed with it is
     * queued again (it may run twice, the first run's result refused, but is not lost). {@code ordered} runs on
     * the store's writer thread: it must be quick and must not write to the store.
     */
    default Handoff enqueueAndClaim(NewJob job, String workerId, int max, Instant leaseUntil,
            Consumer<Handoff> ordered) {
        Handoff handoff = enqueueAndClaim(job, workerId, max, leaseUntil);
        ordered.accept(handoff);
        return handoff;
    }

    /** The job with this id, if it exists and its TTL has not run out at {@code now}. */
    Optional<Job> find(String jobId, Instant now);

    /**
     * Moves up to {@code max} IN_QUEUE jobs of the endpoint, oldest first, to IN_PROGRESS for this worker,
     * leased until {@code leaseUntil}. No job is ever given to two workers. Jobs whose TTL has run out are
     * skipped.
     */
    List<Job> claim(String endpoint, String workerId, int max, Instant now, Instant leaseUntil);

    /**
     * Up to {@code limit} IN_QUEUE jobs of the endpoint whose TTL has not run out, oldest first, as they are now
     * (model-affinity routing looks at them to choose what a worker claims; nothing is changed or locked).
     */
    default List<Job> queuedHead(String endpoint, int limit, Instant now) {
        throw new UnsupportedOperationException("this store cannot list its queue; use fifo routing");
    }

    /**
     * Moves those of the named jobs that are still IN_QUEUE jobs of the endpoint (TTL not run out) to IN_PROGRESS
     * for this worker, leased until {@code leaseUntil}, as {@link #claim} does; returns those it moved, oldest
     * first. A job another worker claimed meanwhile is simply not returned: no job is ever given to two workers.
     */
    default List<Job> claimJobs(String endpoint, String workerId, List<String> jobIds, Instant now,
            Instant leaseUntil) {
        throw new UnsupportedOperationException("this store cannot claim named jobs; use fifo routing");
    }

    /**
     * Puts back in the queue those of the named jobs that are still IN_PROGRESS for this worker, as they were before
     * their claim: no worker, no lease, {@code retries} unchanged. For jobs the worker never received (its
     * job-take's connection was gone when they were handed over): nothing ran, so no attempt is counted. Returns
     * the jobs put back, oldest first. Like {@link #claim}, not synced: lost to a power cut, a job stays claimed
     * and goes back when its lease runs out.
     */
    List<Job> unclaim(String workerId, Collection<String> jobIds);

    /**
     * Records a progress update ({@code status: IN_PROGRESS} posted to job-done) as the job's output and
     * extends the lease. Returns false, changing nothing, when the job is not an IN_PROGRESS job of this
     * endpoint held by this worker (progress that arrives after the final result is ignored).
     */
    boolean recordProgress(String endpoint, String jobId, String workerId, String outputJson, Instant leaseUntil);

    /**
     * Appends a stream chunk of an IN_PROGRESS job of this endpoint held by this worker, extending its lease;
     * false (nothing stored) otherwise.
     */
    boolean appendStream(String endpoint, String jobId, String workerId, String outputJson, Instant leaseUntil);

    /** The stream chunks with seq greater than {@code afterSeq}, in order, at most {@code limit}. */
    List<StreamChunk> streamAfter(String jobId, long afterSeq, int limit);

    /**
     * Drains the job's stream for {@code /stream} readers: the chunks (in order, at most {@code limit}) after
     * the job's stored read cursor, moving the cursor past them in the same transaction. Two concurrent drains
     * of one job never return the same chunk, and the cursor is committed (it survives a gateway restart), so
     * a chunk is handed out once. Empty when there is nothing new or the job does not exist.
     */
    List<StreamChunk> drainStream(String jobId, int limit);

    /**
     * The worker's final word: IN_PROGRESS (held by this worker) to COMPLETED or FAILED. A job of another
     * endpoint gives {@link JobNotFoundException}, as an unknown one.
     *
     * @param outcome COMPLETED or FAILED
     */
    Job finish(String endpoint, String jobId, String workerId, JobState outcome, String outputJson, String error,
            Instant now);

    /**
     * As {@link #finish(String, String, String, JobState, String, String, Instant)}, telling {@code ordered} the ended
     * job as soon as every later write of this store is sure to come after it, which may be before it is synced (as
     * {@link #enqueueAndClaim(NewJob, String, int, Instant, Consumer)}: SQLite once the statements ran, while the
     * commit syncs; others once committed). A client waiting for the job's end can be answered from there. When
     * the commit then fails, this call fails and the job is still running for the worker, which posts its result
     * again. {@code ordered} runs on the store's writer thread: it must be quick and must not write to the store.
     */
    default Job finish(String endpoint, String jobId, String workerId, JobState outcome, String outputJson,
            String error, Instant now, Consumer<Job> ordered) {
        Job job = finish(endpoint, jobId, workerId, outcome, outputJson, error, now);
        ordered.accept(job);
        return job;
    }

    /**
     * Sets the job's TTL (its whole lifespan, counted from its submission, as {@code policy.ttl}): it then
     * expires at {@code createdAt + ttl}, in whatever state. Synced. Empty when the job does not exist at
     * {@code now}, or its new TTL has already run out (it is gone from now on).
     */
    Optional<Job> setTtl(String jobId, java.time.Duration ttl, Instant now);

    /** Cancels an IN_QUEUE or IN_PROGRESS job (the gateway tells its worker to stop). */
    Job cancel(String jobId, Instant now);

    /** FAILED or TIMED_OUT back to IN_QUEUE under the same id; the previous output and error are removed. */
    Job retry(String jobId, Instant now);

    /** How long the ids of purged jobs are kept, for {@link #wasPurged}. */
    java.time.Duration PURGES_KEPT = java.time.Duration.ofMinutes(10);

    /**
     * Deletes every IN_QUEUE job of the endpoint; returns the ids of those it deleted. In the same transaction keeps
     * those ids until {@code now} + {@link #PURGES_KEPT}, for {@link #wasPurged}, and forgets ids kept before whose
     * time is up.
     */
    List<String> purgeQueue(String endpoint, Instant now);

    /**
     * True when {@link #purgeQueue} deleted this job of the endpoint, through any store on this database, less than
     * {@link #PURGES_KEPT} before {@code now}: a job not found that a call can say was purged, not unknown.
     */
    boolean wasPurged(String endpoint, String jobId, Instant now);

    /**
     * Extends the leases of those IN_PROGRESS jobs of the list that are of this endpoint and held by this worker;
     * returns how many.
     */
    int renewLeases(String endpoint, String workerId, Collection<String> jobIds, Instant leaseUntil);

    /**
     * Jobs whose lease ran out before {@code now}: each goes back to IN_QUEUE with retries + 1, or, when its
     * retries are used up, to FAILED with an error that says so. Returns the jobs as changed.
     */
    List<Job> expireLeases(Instant now);

    /**
     * The IN_PROGRESS jobs this worker holds go back to IN_QUEUE at once, retries unchanged: the worker was stopped
     * on purpose (a scale-down, a shutdown) and is gone, so its jobs did not fail and need not wait out their
     * leases. Call only once the worker can no longer report: a result it posts afterwards is refused. Synced.
     * Returns the jobs as changed, oldest first.
     */
    List<Job> handBack(String workerId, Instant now);

    /**
     * The leases of the IN_PROGRESS jobs this worker holds end at {@code now}: the worker ended on its own (a crash,
     * the out-of-memory killer) and will not report again, so the next {@link #expireLeases} puts them back in the
     * queue with a retry counted (or fails them once their retries are used up), as when a lease runs out, without
     * the wait. Returns how many leases it ended.
     */
    int endLeases(String workerId, Instant now);

    /** IN_PROGRESS jobs running longer than their execution timeout at {@code now} go to TIMED_OUT. */
    List<Job> timeOutOverdue(Instant now);

    /**
     * Of {@code jobIds}, those that are not IN_PROGRESS jobs of this endpoint held by this worker (cancelled, timed
     * out, handed to another worker, deleted, or of another endpoint): the worker must stop them.
     */
    List<String> notRunningFor(String endpoint, String workerId, Collection<String> jobIds);

    /**
     * Deletes jobs whose TTL ran out, and terminal jobs finished before {@code retainedSince} (result
     * retention). Returns how many were deleted.
     */
    default int deleteExpired(Instant now, Instant retainedSince) {
        return deleteExpired(now, retainedSince, retainedSince);
    }

    /**
     * As {@link #deleteExpired(Instant, Instant)}, and also deletes terminal {@code /runsync} jobs (ids made by
     * {@link JobIds#nextSync()}) finished before {@code syncRetainedSince}: RunPod keeps their results
     * 1 minute, against 30 for {@code /run}. Returns how many were deleted.
     */
    int deleteExpired(Instant now, Instant retainedSince, Instant syncRetainedSince);

    /** Counts for {@code /health}. */
    JobCounts counts(String endpoint);

    /** The newest jobs of the endpoint, optionally of one state, newest first (dashboard, CLI). */
    List<Job> recent(String endpoint, Optional<JobState> state, int limit);

    /**
     * Jobs of every endpoint that a worker took at or after {@code since}, through any gateway on this database,
     * oldest take first, at most {@code limit}. A job taken again after a retry is listed with its last take.
     * With {@link #endedSince} this is what the autoscaler learns each endpoint's demand from.
     */
    List<JobTimes> takenSince(Instant since, int limit);

    /** Jobs of every endpoint that ended at or after {@code since}, oldest end first, at most {@code limit}. */
    List<JobTimes> endedSince(Instant since, int limit);

    /**
     * Starts telling {@code wakeups} about jobs queued through other stores on the same database (other
     * gateways), until the returned handle or the store is closed. A store only one gateway can open (SQLite)
     * has nothing to tell: every enqueue then happens in the gateway that waits for it.
     */
    default AutoCloseable watchQueues(QueueWakeups wakeups) {
        return () -> {};
    }

    /**
     * Where undelivered webhook calls survive a restart, in the same database; empty: they live in memory. Once
     * its {@code storeCallsWith} is set, {@code finish}, {@code cancel}, {@code timeOutOverdue} and
     * {@code expireLeases} store the call of each job they end that has a webhook URL, in the same transaction.
     */
    default Optional<io.comfyfleet.core.webhook.WebhookOutbox> webhookOutbox() {
        return Optional.empty();
    }

    /**
     * True when several gateways may open this database at once (PostgreSQL): they then elect one to run the
     * control loop through {@link #leases()} and share their workers through {@link #workerBoard()}.
     */
    default boolean sharedByGateways() {
        return false;
    }

    /**
     * The leases in the same database (the control loop's leader lease); empty: this store serves one gateway,
     * which then always leads.
     */
    default Optional<io.comfyfleet.core.lease.LeaseStore> leases() {
        return Optional.empty();
    }

    /** The shared worker registry and stop orders in the same database; empty: they live in the gateway's memory. */
    default Optional<io.comfyfleet.core.worker.WorkerBoard> workerBoard() {
        return Optional.empty();
    }

    /**
     * Running jobs' latest preview frames and workers' cold starts in the same database, for the dashboards of
     * several gateways; empty: each gateway keeps its own in memory. A gateway uses it only when
     * {@link #sharedByGateways()}: alone, its memory already has everything.
     */
    default Optional<io.comfyfleet.core.dashboard.DashboardBoard> dashboardBoard() {
        return Optional.empty();
    }

    /** Endpoint settings and roll-outs in the same database; empty: the gateway keeps them in memory. */
    default Optional<io.comfyfleet.core.endpoint.EndpointSettingsStore> endpointSettings() {
        return Optional.empty();
    }

    /**
     * Where workers' node catalogues are kept, in the same database (survives restarts, shared by gateways);
     * empty: the gateway keeps them in memory.
     */
    default Optional<io.comfyfleet.core.catalogue.CatalogueStore> catalogues() {
        return Optional.empty();
    }

    /** Workflow templates in the same database (survive restarts, shared by gateways); empty: kept in memory. */
    default Optional<io.comfyfleet.core.template.TemplateStore> templates() {
        return Optional.empty();
    }

    @Override
    void close();
}
