package io.comfyfleet.worker;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.gateway.GatewayClient;
import io.comfyfleet.worker.gateway.GatewayRefusedException;
import io.comfyfleet.worker.gateway.GatewayUnavailableException;
import io.comfyfleet.worker.gateway.Heartbeat;
import io.comfyfleet.worker.gateway.ResultOutbox;
import io.comfyfleet.worker.gateway.TakeOutcome;
import io.comfyfleet.worker.gateway.TakenJob;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import tools.jackson.databind.node.ObjectNode;

/**
 * The worker's main loop: takes one job at a time from the gateway, hands it to a {@link JobHandler}, and
 * gives its result to the {@link ResultOutbox}, which posts it from this loop's thread (spooling it for
 * retries only when the gateway does not accept it). Alongside it a heartbeat pings with the job in progress and
 * a job-stop long-poll asks the running job to stop when the gateway says so.
 *
 * <p>{@link #shutdown(Duration)} stops taking jobs, lets the current job finish within the grace period,
 * otherwise hands it back, then flushes the outbox.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    /** Timings of the loops; tests shorten them. */
    public record Timings(Duration throttledPause, Backoff unreachableBackoff, Duration outboxFlush) {
        public static Timings defaults() {
            return new Timings(Duration.ofSeconds(5), new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30)),
                    Duration.ofSeconds(10));
        }
    }

    private final GatewayClient gateway;
    private final ResultOutbox outbox;
    private final JobHandler handler;
    private final Timings timings;
    private final AtomicReference<RunningJob> current = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean draining;
    /** Lets a shutdown abandon the job loop's long-poll, but never a job that poll has just answered with. */
    private final TakeGate takeGate = new TakeGate();
    private Thread takeThread;
    private Thread stopThread;
    private Heartbeat heartbeat;
    /** Marks of finished jobs whose result is on its way to the gateway, completed when it is accepted. */
    private final Map<String, JobTimings> awaitingPost = new ConcurrentHashMap<>();
    private volatile Consumer<JobTimings> timingsListener = t -> { };
    /** What ComfyUI keeps loaded, told to the gateway on every job-take (model-affinity routing). */
    private volatile HeldModels heldModels = HeldModels.classicCache();
    /** This worker's cold start, told to the gateway on job-takes until one is answered; null after. */
    private volatile ColdStartMarks coldStart;

    public Worker(GatewayClient gateway, ResultOutbox outbox, JobHandler handler, Timings timings) {
        this.gateway = gateway;
        this.outbox = outbox;
        this.handler = handler;
        this.timings = timings;
        outbox.onSettled(this::resultSettled);
    }

    /**
     * Calls {@code listener} with each job's {@link JobTimings} once the gateway has accepted its result (on
     * the job thread, or the delivery thread for a retried result; it must be quick). Used to measure the
     * worker's overhead.
     */
    public void onJobTimings(Consumer<JobTimings> listener) {
        this.timingsListener = listener == null ? t -> { } : listener;
    }

    /** How this worker's ComfyUI caches models (its cache flags); the default cache unless told. */
    public void heldModels(HeldModels models) {
        this.heldModels = models;
    }

    /** Tells the gateway how this worker's cold start went, on its job-takes until one is answered. */
    public void coldStart(ColdStartMarks marks) {
        this.coldStart = marks;
    }

    private void resultSettled(String jobId, long acceptedNanos, boolean accepted) {
        JobTimings t = awaitingPost.remove(jobId);
        if (t == null || !accepted) {
            return; // a result spooled by an earlier run, or one the gateway never took
        }
        JobTimings done = new JobTimings(jobId, t.takenNanos(), t.promptSubmittedNanos(), t.comfyDoneNanos(),
                t.resultReadyNanos(), acceptedNanos);
        if (log.isDebugEnabled() && done.complete()) {
            log.debug("Job {} worker overhead: taken->submitted {} us, done->posted {} us", jobId,
                    done.takenToSubmitted().toNanos() / 1_000, done.doneToPosted().toNanos() / 1_000);
        }
        timingsListener.accept(done);
    }

    /** Starts the heartbeat, the job-stop poll and the job loop; returns at once. */
    public synchronized void start() {
        if (takeThread != null) {
            throw new IllegalStateException("worker already started");
        }
        heartbeat = Heartbeat.start(gateway, () -> {
            RunningJob job = current.get();
            return job == null || job.handedBack ? List.of() : List.of(job.job.id());
        });
        stopThread = Thread.ofPlatform().daemon().name("job-stop-poll").start(this::stopLoop);
        takeThread = Thread.ofPlatform().name("job-loop").start(this::takeLoop);
    }

    /** The id of the job running now, or null. */
    public String currentJobId() {
        RunningJob job = current.get();
        return job == null ? null : job.job.id();
    }

    /** Blocks until the job loop has ended (after {@link #shutdown}), at most {@code timeout}. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops taking jobs; waits up to {@code grace} for the current job to finish, then asks it to stop and
     * hands it back; flushes the results still in the outbox; stops the background loops. Idempotent.
     */
    public void shutdown(Duration grace) {
        synchronized (this) {
            if (draining) {
                return;
            }
            draining = true;
        }
        log.info("Worker shutting down: no more jobs taken, {} s for the current job", grace.toSeconds());
        Thread take = takeThread;
        if (take != null) {
            takeGate.close(() -> gateway.abort(take)); // abandons the long-poll if it is still waiting
            try {
                if (!stopped.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    RunningJob job = current.get();
                    if (job != null) {
                        log.warn("Job {} did not finish within the grace period; handing it back", job.job.id());
                        job.requestStop(JobContext.StopReason.SHUTDOWN);
                    }
                    gateway.abort(take);
                    stopped.await(10, TimeUnit.SECONDS);
                }
                if (!outbox.awaitDelivered(timings.outboxFlush())) {
                    log.warn("{} result(s) not yet accepted by the gateway stay in the spool for the next start",
                            outbox.pendingCount());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    @Override
    public void close() {
        draining = true;
        Thread take = takeThread;
        takeGate.close(() -> {
            if (take != null) {
                gateway.abort(take);
            }
        });
        if (stopThread != null) {
            gateway.abort(stopThread);
        }
        if (heartbeat != null) {
            heartbeat.close();
        }
        outbox.close();
    }

    private void takeLoop() {
        int failures = 0;
        try {
            while (takeGate.enter()) {
                try {
                    ColdStartMarks marks = coldStart;
                    TakeOutcome outcome;
                    try {
                        outcome = gateway.takeJob(false, heldModels.current(),
                                marks == null ? null : marks.report(System.nanoTime()));
                    } finally {
                        takeGate.leave();
                    }
                    coldStart = null;
                    failures = 0;
                    switch (outcome) {
                        case TakeOutcome.Job j -> run(j.job());
                        case TakeOutcome.NoJob n -> { }
                        case TakeOutcome.Throttled t -> Thread.sleep(timings.throttledPause().toMillis());
                    }
                } catch (GatewayUnavailableException | GatewayRefusedException e) {
                    if (draining) {
                        break; // the pending long-poll was abandoned on purpose
                    }
                    failures++;
                    Duration delay = timings.unreachableBackoff().delay(failures);
                    log.warn("job-take failed ({} in a row), retrying in {} ms: {}", failures, delay.toMillis(),
                            e.getMessage());
                    Thread.sleep(delay.toMillis());
                } catch (RuntimeException e) {
                    log.error("Job loop iteration failed; continuing", e);
                    Thread.sleep(timings.unreachableBackoff().initial().toMillis());
                }
            }
        } catch (InterruptedException e) {
            if (!draining) {
                log.warn("Job loop interrupted");
            }
        } finally {
            stopped.countDown();
        }
    }

    private void run(TakenJob job) throws InterruptedException {
        RunningJob running = new RunningJob(job, gateway);
        current.set(running);
        MDC.put("jobId", job.id());
        long started = System.nanoTime();
        try {
            // at INFO a job that succeeds is one line, the outbox's "accepted": each synchronous log line before the
            // job-done post adds to the job's time, and logging was a sixth of the job thread's CPU samples
            log.debug("Job {} taken", job.id());
            JobOutcome outcome;
            try {
                outcome = handler.handle(job, running);
            } catch (RuntimeException e) {
                log.error("Job {} failed with an unexpected error", job.id(), e);
                ObjectNode body = Json.MAPPER.createObjectNode();
                body.put("error", "The worker failed unexpectedly: " + e);
                outcome = new JobOutcome.Finished(body);
            }
            long resultReady = System.nanoTime();
            long ms = TimeUnit.NANOSECONDS.toMillis(resultReady - started);
            switch (outcome) {
                case JobOutcome.Finished f -> {
                    if (f.body().has("error")) {
                        log.info("Job {} finished in {} ms with an error", job.id(), ms);
                    } else {
                        log.debug("Job {} finished in {} ms", job.id(), ms);
                        heldModels.ranSuccessfully(job.input().path("workflow"));
                    }
                    try {
                        // registered before submit: the outbox delivers before submit returns
                        awaitingPost.put(job.id(), new JobTimings(job.id(), running.takenNanos,
                                running.promptSubmittedNanos, running.comfyDoneNanos, resultReady, 0));
                        outbox.submit(job.id(), f.body());
                    } catch (IOException e) {
                        log.error("Could not spool the result of job {}; it is kept in memory only", job.id(), e);
                    }
                }
                case JobOutcome.Stopped s -> log.info("Job {} stopped at the gateway's request after {} ms", job.id(), ms);
                case JobOutcome.HandedBack h -> {
                    running.handedBack = true;
                    log.warn("Job {} handed back after {} ms: {}", job.id(), ms, h.reason());
                }
            }
        } finally {
            current.set(null);
            MDC.remove("jobId");
        }
    }

    private void stopLoop() {
        int failures = 0;
        while (!draining) {
            try {
                List<String> ids = gateway.pollStop();
                failures = 0;
                RunningJob job = current.get();
                for (String id : ids) {
                    if (job != null && job.job.id().equals(id)) {
                        log.info("Gateway asks to stop job {}", id);
                        job.requestStop(JobContext.StopReason.GATEWAY_STOP);
                    } else {
                        log.debug("Gateway asks to stop job {}, which is not running here", id);
                    }
                }
                if (ids.isEmpty()) {
                    Thread.sleep(200); // RunPod keeps a floor between empty stop polls
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                failures++;
                if (!draining) {
                    log.debug("job-stop poll failed ({} in a row): {}", failures, e.getMessage());
                }
                try {
                    Thread.sleep(timings.unreachableBackoff().delay(failures).toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
