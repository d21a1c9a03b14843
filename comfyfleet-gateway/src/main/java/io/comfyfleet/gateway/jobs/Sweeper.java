package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.outputs.OutputFiles;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's periodic duties: jobs of silent workers go back to the queue (or fail when out of retries),
 * overdue jobs time out and their workers are told to stop, expired and retained-too-long jobs are deleted
 * with their output files. Each round survives any error: it is logged, counted, and the next round runs.
 */
public final class Sweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);
    // output folders are matched against the store at most this often (a directory walk plus a lookup each)
    private static final Duration FILE_CLEANUP_EVERY = Duration.ofSeconds(30);

    private final JobStore store;
    private final JobEvents events;
    private final JobService jobs;
    private final WorkerRegistry registry;
    private final OutputFiles outputs;
    private final Clock clock;
    private final Duration retention;
    private final AtomicLong failedRounds = new AtomicLong();
    private Instant lastFileCleanup = Instant.EPOCH;
    private ScheduledExecutorService timer;

    public Sweeper(JobStore store, JobEvents events, JobService jobs, WorkerRegistry registry, OutputFiles outputs,
            Clock clock, Duration retention) {
        this.store = store;
        this.events = events;
        this.jobs = jobs;
        this.registry = registry;
        this.outputs = outputs;
        this.clock = clock;
        this.retention = retention;
    }

    /** Runs a round every {@code interval} from now on, on one background thread. */
    public synchronized void start(Duration interval) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "comfyfleet-sweeper");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::safeRound, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round, now (tests call it with a moved clock). */
    public synchronized void round() {
        Instant now = clock.instant();
        for (Job job : store.expireLeases(now)) {
            if (job.state() == JobState.IN_QUEUE) {
                log.info("job {} went back to the queue: worker {} was silent past its lease (retry {})",
                        job.id(), job.workerId(), job.retries());
                // no stop order here: the same worker may take the job again at once, and a late order would
                // then stop the new run; a worker that is alive learns from its next ping instead
                events.queued(job.endpoint());
            } else {
                log.warn("job {} failed: its worker went silent and its retries are used up", job.id());
                events.stop(job);
            }
            events.changed(job);
        }
        for (Job job : store.timeOutOverdue(now)) {
            log.info("job {} timed out after {}; telling worker {} to stop it",
                    job.id(), job.policy().executionTimeout(), job.workerId());
            events.stop(job);
            events.changed(job);
        }
        int deleted = store.deleteExpired(now, now.minus(retention));
        if (deleted > 0 || Duration.between(lastFileCleanup, now).compareTo(FILE_CLEANUP_EVERY) >= 0) {
            lastFileCleanup = now;
            outputs.deleteWhere((endpoint, jobId) -> store.find(jobId, now).isEmpty());
            jobs.forgetDeletedStreams();
        }
        registry.forgetSilent();
    }

    /** Rounds that threw since start. */
    public long failedRounds() {
        return failedRounds.get();
    }

    private void safeRound() {
        try {
            round();
        } catch (RuntimeException e) {
            failedRounds.incrementAndGet();
            log.error("sweep round failed ({} so far); the next round runs as scheduled", failedRounds.get(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
