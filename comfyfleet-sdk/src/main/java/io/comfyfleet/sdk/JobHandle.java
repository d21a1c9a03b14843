package io.comfyfleet.sdk;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

/**
 * A submitted job: look at it, wait for its result while hearing about its progress, cancel or retry it.
 * Waiting follows the job's live events ({@code /events/{id}}, a ComfyFleet extension) and falls back to
 * polling {@code /status} where that route does not exist (RunPod); {@link #awaitAsync} does the same without
 * holding a thread. Safe to share; {@link #await} may be called again after it timed out.
 */
public final class JobHandle {
    private final Endpoint endpoint;
    private final String id;
    // the gateway gave this id (a submission's answer): it was heard, so a wait may ride an outage from its start
    private final boolean answered;
    private final List<ProgressListener> listeners = new CopyOnWriteArrayList<>();

    JobHandle(Endpoint endpoint, String id, boolean answered) {
        this.endpoint = endpoint;
        this.id = id;
        this.answered = answered;
    }

    /** Whether the id came from the gateway's answer to a submission, rather than from the caller. */
    boolean answered() {
        return answered;
    }

    /** The job id the server gave. */
    public String id() {
        return id;
    }

    /**
     * Calls {@code listener} with each progress update seen by {@link #await} or {@link #awaitAsync} (on the
     * HTTP client's threads); returns this handle.
     */
    public JobHandle onProgress(ProgressListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * The job as it is now.
     *
     * @throws NotFoundException when the job does not exist (any more)
     */
    public JobStatus status() {
        return endpoint.status(id);
    }

    /**
     * Asks the server to cancel the job (queued: removed; running: the worker is told to stop).
     *
     * @return the job's status after the cancel
     * @throws RequestRejectedException when the job has already ended
     */
    public JobStatus cancel() {
        return JobStatus.parse(endpoint.transport().post(endpoint.path("/cancel/" + Endpoint.enc(id)), null, id), id);
    }

    /**
     * Puts a FAILED or TIMED_OUT job back in the queue under the same id ({@code POST /retry/{id}}); its
     * previous output is dropped. {@link #await} then waits for the new run.
     *
     * @return the job's status after the retry (IN_QUEUE)
     * @throws RequestRejectedException when the job is not FAILED or TIMED_OUT
     * @throws NotFoundException        when the job does not exist (any more)
     */
    public JobStatus retry() {
        return JobStatus.parse(endpoint.transport().post(endpoint.path("/retry/" + Endpoint.enc(id)), null, id), id);
    }

    /** {@link #status()} without blocking; the future fails with the same exceptions. */
    public CompletableFuture<JobStatus> statusAsync() {
        return endpoint.transport().getAsync(endpoint.path("/status/" + Endpoint.enc(id)), id)
                .thenApply(node -> JobStatus.parse(node, id));
    }

    /**
     * Waits up to {@code timeout} for the job to end.
     *
     * @return the result of a COMPLETED job
     * @throws JobFailedException     when it FAILED (the worker's error and details)
     * @throws JobCancelledException  when it was CANCELLED
     * @throws JobTimedOutException   when the server timed it out, or {@code timeout} passed first (it goes on)
     * @throws NotFoundException      when the job does not exist (any more)
     * @throws ComfyFleetException    when the server cannot be reached, or the calling thread is interrupted
     */
    public JobResult await(Duration timeout) {
        CompletableFuture<JobResult> wait = awaitAsync(timeout);
        try {
            return wait.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new ComfyFleetException("waiting for job " + id + " failed: " + e.getCause(), id, 0, null, e.getCause());
        } catch (InterruptedException e) {
            wait.cancel(true);
            Thread.currentThread().interrupt();
            throw new ComfyFleetException("interrupted while waiting for job " + id, id, 0, null, e);
        }
    }

    /**
     * {@link #await} without blocking a thread while the job runs: the future completes with the result, or
     * fails with the exception {@code await} would throw. Progress listeners are then called on the HTTP
     * client's threads. Cancelling the future stops following the job (the job itself goes on).
     */
    public CompletableFuture<JobResult> awaitAsync(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return JobWait.start(this, endpoint, timeout, this::tell);
    }

    private void tell(Progress progress) {
        for (ProgressListener l : listeners) {
            l.onProgress(progress);
        }
    }

    /** The result of a terminal status, or its typed exception. */
    JobResult finish(JobStatus status) {
        switch (status.state()) {
            case COMPLETED:
                return new JobResult(status, Outputs.parse(id, status.output(), endpoint.transport(),
                        endpoint.client().requestTimeout()));
            case FAILED:
                throw new JobFailedException(id, status.error() == null ? "no error text" : status.error(),
                        status.output());
            case CANCELLED:
                throw new JobCancelledException(id);
            case TIMED_OUT:
                throw new JobTimedOutException("job " + id + " was timed out by the server"
                        + (status.error() == null ? "" : ": " + status.error()), id, JobState.TIMED_OUT, status.error());
            default:
                throw new IllegalStateException("not terminal: " + status.state());
        }
    }

    @Override
    public String toString() {
        return "JobHandle[" + id + "]";
    }
}
