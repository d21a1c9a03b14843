package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.QueueWakeups;
import io.comfyfleet.gateway.dispatch.Handoffs;
import io.comfyfleet.gateway.dispatch.Signals;
import io.comfyfleet.gateway.dispatch.StopOrders;
import io.comfyfleet.gateway.webhook.WebhookSender;
import io.comfyfleet.gateway.webhook.WebhookSigner;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What happens around a job change, in one place: waiting job-takes are woken when work is queued, waiting
 * status/stream polls when a job changes, the worker is told to stop a job it must drop, and the webhook is
 * sent when a job ends. Everything here is in-process and non-blocking.
 */
public final class JobEvents implements QueueWakeups {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JobEvents.class);
    private final Handoffs takers = new Handoffs();
    private final Signals<String> jobs = new Signals<>();
    private final StopOrders stops = new StopOrders();
    private final HandedOutJobs handedOut = new HandedOutJobs();
    private final FollowedJobs followed = new FollowedJobs();
    private final EndingJobs ending = new EndingJobs();
    private final WebhookSender webhooks;
    private final Map<String, Optional<WebhookSigner>> signers;
    private final Clock clock;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final java.util.List<JobListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** @param signers per endpoint name, the signer of its webhooks (empty: unsigned) */
    public JobEvents(WebhookSender webhooks, Map<String, Optional<WebhookSigner>> signers, Clock clock) {
        this.webhooks = webhooks;
        this.signers = Map.copyOf(signers);
        this.clock = clock;
    }

    /**
     * A job of the endpoint became IN_QUEUE (new, retried, or back from a lost worker), here or, told by the
     * store, at another gateway on the same database.
     */
    @Override
    public void queued(String endpoint) {
        takers.wakeOne(endpoint);
        tell(l -> l.queued(endpoint));
    }

    /**
     * The job changed through another gateway on the same database: followers drop what they kept of it, and calls
     * waiting on it read it again.
     */
    @Override
    public void changedElsewhere(String jobId) {
        touched(jobId);
    }

    /** Notices of other gateways' changes may have been missed: every follower and waiting call reads its job again. */
    @Override
    public void changesMissed() {
        followed.forgetAll();
        jobs.signalAll();
    }

    /** Every waiting job-take looks at the queue again (the store may have missed another gateway's notice). */
    @Override
    public void recheckAll() {
        takers.wakeAll();
    }

    /**
     * A worker's final word about the job is written and its commit syncs: those waiting for its end are answered
     * now (see {@link EndingJobs}); {@link #changed} follows once committed, {@link #notEnded} if the commit fails.
     */
    void ending(Job job) {
        ending.ending(job);
        jobs.signal(job.id());
    }

    /** The commit of an {@link #ending} failed: the job runs on as the store holds it. */
    void notEnded(String jobId) {
        ending.settled(jobId);
        jobs.signal(jobId);
    }

    /**
     * {@code purge-queue} deleted these queued jobs: those waiting on them ({@code /runsync}, {@code /status-sync},
     * {@code /stream}, the events route) are answered now, that the job was purged (the store keeps their ids).
     */
    void purged(java.util.List<String> jobIds) {
        for (String jobId : jobIds) {
            followed.changed(jobId, null);
            jobs.signal(jobId);
        }
    }

    /** The job's end while its commit syncs, else null. */
    Job endingNow(String jobId) {
        return ending.get(jobId);
    }

    /** A job changed (state, progress output, or a stream chunk); ends a terminal job's life with its webhook. */
    public void changed(Job job) {
        changed(job, l -> l.changed(job));
    }

    /** A job back in the queue because its worker was stopped before it finished it (see {@link JobListener#handedBack}). */
    public void handedBack(Job job, String workerId) {
        changed(job, l -> l.handedBack(job, workerId));
    }

    private void changed(Job job, java.util.function.Consumer<JobListener> tellListeners) {
        ending.settled(job.id());
        // ended, cancelled, timed out or back in the queue: no longer running for the worker it was handed to
        handedOut.forget(job.id());
        // a terminal state stays until a retry (which comes here again): followers may use it as it is
        followed.changed(job.id(), job.state().isTerminal() ? job : null);
        jobs.signal(job.id());
        tell(tellListeners);
        if (job.state().isTerminal() && job.webhook() != null) {
            try {
                webhooks.ended(job.id(), URI.create(job.webhook()), () -> webhookBody(job, clock.instant()),
                        signers.getOrDefault(job.endpoint(), Optional.empty()));
            } catch (RuntimeException e) {
                // the job's change is already stored (and with an outbox, its call: the next start sends it);
                // a webhook that cannot be queued now must not undo the answer to the worker or client
                log.warn("webhook for job {} not sent now: {}", job.id(), e.toString());
            }
        }
    }

    /** RunPod's webhook body of an ended job, unsigned; what the store keeps in its outbox. */
    public static byte[] webhookBody(Job job, java.time.Instant now) {
        return Json.mapper().writeValueAsBytes(JobJson.webhook(job, now));
    }

    /** The worker was given the job: orders about an earlier run of it no longer apply. */
    void taken(Job job) {
        stops.withdraw(workerKey(job.endpoint(), job.workerId()), job.id());
        // not kept for followers: a cancel may already have overtaken this claim, so they read the store
        followed.changed(job.id(), null);
        jobs.signal(job.id());
        tell(l -> l.taken(job));
    }

    /** A progress update of a running job was stored (by an unknown worker: followers read the job again). */
    public void progressed(String jobId, String outputJson) {
        touched(jobId);
        tell(l -> l.progressed(jobId, outputJson));
    }

    /** The store accepted {@code workerId}'s progress update of its running job: only the output changed. */
    public void progressed(String jobId, String workerId, String outputJson) {
        followed.progressed(jobId, workerId, outputJson);
        jobs.signal(jobId);
        tell(l -> l.progressed(jobId, outputJson));
    }

    /** Adds a listener of job changes (metrics, dashboard); call before the gateway serves requests. */
    public void listen(JobListener listener) {
        listeners.add(listener);
    }

    private void tell(java.util.function.Consumer<JobListener> call) {
        for (JobListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                // metrics and the dashboard are onlookers: their failure must not fail the job's change
                log.warn("job listener {} failed", listener.getClass().getSimpleName(), e);
            }
        }
    }

    /** Progress or a chunk for a job whose new state was not read back. */
    public void touched(String jobId) {
        followed.changed(jobId, null);
        jobs.signal(jobId);
    }

    /** Tells the worker holding (or that held) {@code job} to stop it. */
    public void stop(Job job) {
        if (job.workerId() != null) {
            stops.order(workerKey(job.endpoint(), job.workerId()), job.id());
        }
    }

    /** Tells {@code workerId} to stop {@code jobId}. */
    public void stop(String endpoint, String workerId, String jobId) {
        stops.order(workerKey(endpoint, workerId), jobId);
    }

    /** The job-takes waiting for work, to which a new job is handed over. */
    Handoffs takers() {
        return takers;
    }

    Signals<String>.Watch watchJob(String jobId) {
        return jobs.watch(jobId);
    }

    /**
     * Keeps stop orders in the store's worker board (several gateways): delivered wherever the worker polls, and
     * only while the job is not running for it.
     */
    public void shareStops(io.comfyfleet.core.worker.WorkerBoard board, io.comfyfleet.core.job.JobStore store) {
        stops.share(board, clock, (key, jobIds) -> {
            int slash = key.indexOf('/');
            return store.notRunningFor(key.substring(0, slash), key.substring(slash + 1), jobIds);
        });
    }

    /** The stop orders waiting for workers' job-stop polls. */
    public StopOrders stops() {
        return stops;
    }

    /** The latest known state of the jobs followed live. */
    FollowedJobs followed() {
        return followed;
    }

    /** The jobs handed to workers here, whose progress and results need not be read back first. */
    HandedOutJobs handedOut() {
        return handedOut;
    }

    static String workerKey(String endpoint, String workerId) {
        return endpoint + "/" + workerId;
    }

    /** How many job-takes wait for work on the endpoint right now. */
    public int waitingTakers(String endpoint) {
        return takers.waiting(endpoint);
    }

    /** How many status-sync, runsync and stream polls wait on the job right now. */
    public int waitingOn(String jobId) {
        return jobs.watchers(jobId);
    }

    /** True once {@link #shutDown()} ran: long-polls answer at once. */
    public boolean isStopping() {
        return stopping.get();
    }

    /** Ends every long-poll now; called when the gateway stops. */
    public void shutDown() {
        stopping.set(true);
        takers.wakeAll();
        jobs.signalAll();
        stops.wakeAll();
    }
}
