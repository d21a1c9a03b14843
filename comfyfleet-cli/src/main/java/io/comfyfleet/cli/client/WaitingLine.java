package io.comfyfleet.cli.client;

import io.comfyfleet.sdk.Endpoint;
import io.comfyfleet.sdk.Health;
import io.comfyfleet.sdk.JobState;
import io.comfyfleet.sdk.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What {@code submit --wait} shows before the first progress event: the job's state and how long it has waited,
 * e.g. {@code queued: starting a worker, 12 s so far}, so a cold start does not look like a hang. Asks the gateway
 * for the job's status and the endpoint's health every two seconds; stops at the first progress event.
 */
final class WaitingLine implements AutoCloseable {
    static final Duration POLL = Duration.ofSeconds(2);

    private final Endpoint endpoint;
    private final String jobId;
    private final ProgressLine line;
    private final Clock clock;
    private final Instant since;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("submit-waiting").factory());
    private volatile boolean progressed;
    private volatile String state = "queued";
    private volatile long lastPoll;

    private final boolean counting;

    /** @param counting add the seconds waited (on a terminal); else the line changes only with the state */
    WaitingLine(Endpoint endpoint, String jobId, ProgressLine line, Clock clock, boolean counting) {
        this.counting = counting;
        this.endpoint = endpoint;
        this.jobId = jobId;
        this.line = line;
        this.clock = clock;
        this.since = clock.instant();
    }

    /** Redraws the line every second until {@link #progressed()} or {@link #close()}. */
    WaitingLine start() {
        timer.scheduleWithFixedDelay(this::tick, 0, 1, TimeUnit.SECONDS);
        return this;
    }

    /** Progress arrived: from now on the progress bar speaks. */
    void progressed() {
        progressed = true;
    }

    private void tick() {
        if (progressed) {
            return;
        }
        long now = clock.millis();
        if (now - lastPoll >= POLL.toMillis()) {
            lastPoll = now;
            try {
                state = describe(endpoint.status(jobId), endpoint.health(), Duration.between(since, clock.instant()));
            } catch (RuntimeException e) { // ComfyFleetException included: the line says so and the wait goes on
                state = "no answer from the gateway (" + e.getMessage() + ")";
            }
        }
        if (!progressed) {
            line.showText(counting ? state + ", " + soFar(Duration.between(since, clock.instant())) + " so far" : state);
        }
    }

    /** Whole seconds ({@code 12 s}) while they are few, then as {@code HumanDuration} says it ({@code 1 min 5 s}). */
    static String soFar(Duration waited) {
        long s = waited.toSeconds();
        return s < 60 ? s + " s" : io.comfyfleet.core.HumanDuration.of(Duration.ofSeconds(s));
    }

    /**
     * How long a job may wait for a first worker before the line stops promising one: longer than a cold start
     * with models (~20-60 s), shorter than a person waits before giving up on a crash-looping ComfyUI.
     */
    static final Duration NO_WORKER_HINT = Duration.ofSeconds(60);

    /**
     * The state of a job that has shown no progress yet, in words, from its status and its endpoint's workers.
     * Once it has waited {@link #NO_WORKER_HINT} with no worker up, it says where to look instead of "starts soon":
     * the reason the endpoint's last worker gave up, when the gateway heard one (a Python without ComfyUI's
     * requirements), else up's terminal, which names workers that fail before they can say why.
     */
    static String describe(JobStatus status, Health health, Duration waited) {
        if (status.state() == JobState.IN_PROGRESS) {
            return "running on worker " + (status.workerId() == null ? "?" : status.workerId()) + ", no progress yet";
        }
        if (status.state() != JobState.IN_QUEUE) {
            return status.state().name().toLowerCase(java.util.Locale.ROOT);
        }
        boolean noneUp = health.workersIdle() + health.workersRunning() == 0;
        if (noneUp && waited.compareTo(NO_WORKER_HINT) >= 0) {
            return "queued: no worker ready in " + io.comfyfleet.core.HumanDuration.of(NO_WORKER_HINT)
                    + (health.workersInitializing() > 0 ? " (" + health.workersInitializing() + " starting)" : "")
                    + health.lastWorkerFailure().map(why -> "; the last worker gave up: " + why)
                            .orElse(": up's terminal says why");
        }
        if (health.workersInitializing() > 0) {
            return "queued: starting a worker (" + health.workersInitializing() + " starting)";
        }
        if (noneUp) {
            return "queued: no worker yet (one starts soon)";
        }
        return "queued: " + health.workersRunning() + " worker(s) busy"
                + (health.inQueue() > 1 ? ", " + (health.inQueue() - 1) + " other job(s) queued" : "");
    }

    @Override
    public void close() {
        progressed = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS); // a tick in flight must not draw over what follows
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
