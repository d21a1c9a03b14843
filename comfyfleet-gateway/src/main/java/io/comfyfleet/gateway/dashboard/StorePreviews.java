package io.comfyfleet.gateway.dashboard;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.core.dashboard.DashboardBoard;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several gateways on one database: each running job's latest preview frame, kept in the store's
 * {@link DashboardBoard} so that every gateway's dashboard shows it, not only the one the worker posted it to.
 *
 * <p>Why the store, and not a notice to the other gateways: the worker sends a frame in one progress update only,
 * and its next update (often to another gateway) overwrites the job's stored output, so a gateway woken by a notice
 * would usually read an update without the frame; a gateway started later must see it too. The frame is at most
 * {@link LivePreviews#MAX_PREVIEW_CHARS} characters, one row per running job, replaced by the next frame, refused
 * once the job is not IN_PROGRESS and deleted when it ends (here on its end; else by the clean-up every
 * {@link #CLEAN_UP}, or with the job).
 *
 * <p>Written behind on one thread, in one transaction at most every {@link #WRITE_EVERY} (the dashboard polls every
 * 1.5 s) with the latest frame of each job that has a new one; frames coming faster are skipped. So a worker's
 * progress post never waits for the database, the database gets at most two such writes a second whatever the number
 * of jobs, and a failed write (logged) costs a frame until the next.
 * Only with a shared store: a gateway alone (SQLite) keeps its frames in memory as before, its progress path
 * unchanged.
 */
final class StorePreviews implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StorePreviews.class);
    static final Duration CLEAN_UP = Duration.ofMinutes(1);
    static final Duration WRITE_EVERY = Duration.ofMillis(500);

    private final DashboardBoard board;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("comfyfleet-dashboard-previews").daemon().factory());
    /** Frames not written yet, by job; jobs that ended here, whose frame to delete. Guarded by {@code this}. */
    private Map<String, String> frames = new LinkedHashMap<>();
    private Set<String> ended = new LinkedHashSet<>();
    private boolean flushQueued;
    /** Paces the database, not job time: the real clock. */
    private long lastFlushNanos = System.nanoTime() - WRITE_EVERY.toNanos();

    StorePreviews(DashboardBoard board) {
        this.board = board;
    }

    /** Starts the clean-up of frames whose job ended elsewhere without deleting its frame (a gateway that died). */
    void start() {
        writer.scheduleWithFixedDelay(this::cleanUp, CLEAN_UP.toMillis(), CLEAN_UP.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The job's latest frame, to be written soon. */
    synchronized void put(String jobId, String frame) {
        frames.put(jobId, frame);
        ended.remove(jobId);
        queueFlush();
    }

    /** The job stopped running here: its frame is deleted soon. */
    synchronized void ended(String jobId) {
        frames.remove(jobId);
        ended.add(jobId);
        queueFlush();
    }

    /** The stored frames of those of the jobs that are IN_PROGRESS and have one (read now). */
    Map<String, String> of(Collection<String> jobIds) {
        return board.previews(jobIds);
    }

    private void queueFlush() {
        if (!flushQueued) {
            try {
                long wait = lastFlushNanos + WRITE_EVERY.toNanos() - System.nanoTime();
                writer.schedule(this::flush, Math.max(0, wait), TimeUnit.NANOSECONDS);
                flushQueued = true;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing: the gateway stops, its dashboard with it
            }
        }
    }

    /** Writes what is pending (on the writer thread; tests call it directly). */
    void flush() {
        Map<String, String> put;
        Set<String> drop;
        synchronized (this) {
            put = frames;
            drop = ended;
            frames = new LinkedHashMap<>();
            ended = new LinkedHashSet<>();
            flushQueued = false;
            lastFlushNanos = System.nanoTime();
        }
        try {
            board.dropPreviews(drop);
            board.putPreviews(put);
        } catch (RuntimeException e) {
            log.warn("could not keep {} preview frames of running jobs for the other gateways' dashboards (and forget {}):"
                    + " they show an older frame until the next one", put.size(), drop.size(), e);
        }
    }

    private void cleanUp() {
        try {
            int dropped = board.dropStalePreviews();
            if (dropped > 0) {
                log.debug("forgot {} preview frames of jobs no longer running", dropped);
            }
        } catch (RuntimeException e) {
            log.warn("could not forget the preview frames of jobs no longer running; trying again in {}",
                    HumanDuration.of(CLEAN_UP), e);
        }
    }

    @Override
    public void close() {
        writer.shutdown(); // what is queued is written
        try {
            writer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.shutdownNow();
    }
}
