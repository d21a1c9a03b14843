package io.comfyfleet.sdk;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A submitted job: look at it, wait for its result while hearing about its progress, or cancel it.
 * Waiting follows the job's live events ({@code /events/{id}}, a ComfyFleet extension) and falls back to
 * polling {@code /status} where that route does not exist (RunPod). Safe to share; {@link #await} may be
 * called again after it timed out.
 */
public final class JobHandle {
    private final Endpoint endpoint;
    private final String id;
    private final List<ProgressListener> listeners = new CopyOnWriteArrayList<>();

    JobHandle(Endpoint endpoint, String id) {
        this.endpoint = endpoint;
        this.id = id;
    }

    /** The job id the server gave. */
    public String id() {
        return id;
    }

    /** Calls {@code listener} with each progress update seen by {@link #await}; returns this handle. */
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
     * Waits up to {@code timeout} for the job to end.
     *
     * @return the result of a COMPLETED job
     * @throws JobFailedException     when it FAILED (the worker's error and details)
     * @throws JobCancelledException  when it was CANCELLED
     * @throws JobTimedOutException   when the server timed it out, or {@code timeout} passed first (it goes on)
     * @throws NotFoundException      when the job does not exist (any more)
     * @throws ComfyFleetException    when the server cannot be reached
     */
    public JobResult await(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (endpoint.eventsMayWork()) {
            try {
                return awaitEvents(deadline, timeout);
            } catch (EventStream.Absent absent) {
                endpoint.eventsAbsent();
            }
        }
        return awaitPolling(deadline, timeout);
    }

    private JobResult awaitEvents(long deadline, Duration timeout) throws EventStream.Absent {
        String lastId = null;
        JobState lastState = null;
        JsonNode preview = null;
        while (true) {
            EventStream stream;
            try {
                stream = EventStream.open(endpoint.transport(), endpoint.path("/events/" + Endpoint.enc(id)), lastId, id,
                        endpoint.client().requestTimeout());
            } catch (EventStream.Absent absent) {
                // a 404 means either "no such job" or "no such route": /status tells which
                status();
                throw absent;
            }
            try (stream) {
                while (true) {
                    EventStream.Event event = stream.next(deadline);
                    if (event == null) {
                        break;
                    }
                    lastId = event.id() == null ? lastId : event.id();
                    JsonNode data = parse(event.data());
                    switch (event.type()) {
                        case "status":
                            lastState = JobState.parse(data.path("status").asString(null), id);
                            break;
                        case "preview":
                            // a frame comes just before the progress event it belongs to
                            preview = data.get("preview");
                            break;
                        case "progress":
                            if (preview != null && data.isObject()) {
                                ((ObjectNode) data).set("preview", preview);
                                preview = null;
                            }
                            tell(Progress.parse(data));
                            break;
                        case "result":
                            return finish(JobStatus.parse(data, id));
                        default:
                            break; // event types added later are ignored
                    }
                }
                if (!stream.ended() || System.nanoTime() >= deadline) {
                    throw waitedTooLong(timeout, lastState == null ? status().state() : lastState);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ComfyFleetException("interrupted while waiting for job " + id, id, 0, null, e);
            }
            // the connection ended without a result (a proxy cut it, the gateway restarted): resume after
            // lastId, after a pause so a server that keeps ending streams at once is not called in a hot loop
            pause(deadline);
        }
    }

    private JobResult awaitPolling(long deadline, Duration timeout) {
        JsonNode lastProgress = null;
        while (true) {
            JobStatus status = status();
            if (status.state().isTerminal()) {
                return finish(status);
            }
            if (status.state() == JobState.IN_PROGRESS && status.output() != null
                    && !status.output().equals(lastProgress)) {
                lastProgress = status.output();
                status.progress().ifPresent(this::tell);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw waitedTooLong(timeout, status.state());
            }
            pause(deadline);
        }
    }

    /** Waits one poll interval, or less when the deadline comes first. */
    private void pause(long deadline) {
        long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        try {
            Thread.sleep(Math.max(1, Math.min(endpoint.client().pollInterval().toMillis(), leftMs)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComfyFleetException("interrupted while waiting for job " + id, id, 0, null, e);
        }
    }

    private void tell(Progress progress) {
        for (ProgressListener l : listeners) {
            l.onProgress(progress);
        }
    }

    private JsonNode parse(String data) {
        try {
            return Transport.JSON.readTree(data);
        } catch (JacksonException e) {
            throw new ComfyFleetException("the event stream of job " + id + " sent data that is not JSON: "
                    + Transport.abbreviate(data), id, 200, data, e);
        }
    }

    private JobTimedOutException waitedTooLong(Duration timeout, JobState state) {
        return new JobTimedOutException("job " + id + " did not finish within " + timeout + "; it is " + state
                + " and goes on (await again, or cancel it)", id, state, null);
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
