package io.comfyfleet.worker.gateway;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.Backoff;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps every finished job's result until the gateway has accepted it. A result is posted to job-done at once,
 * on the thread that submits it; only when that post is not accepted is it written to a spool file (so a
 * worker restart does not lose it) and posted again with backoff by a background thread while the gateway is
 * unreachable or answers 5xx/429. While any result waits for such a retry, new results go straight to the
 * spool and the background thread, so a job thread never waits for a gateway that is known to be down.
 *
 * <p>Why a result posted directly needs no spool file first: until the gateway accepts the result, the job is
 * still leased to this worker. Should the worker die before the post is accepted, its pings stop, the lease
 * runs out and the gateway puts the job back in the queue (or fails it once its retries are spent), so the
 * job is run again rather than lost; once accepted, the result is in the gateway's store. The spool file is
 * what keeps a result whose post failed across a restart, so it is written before that result is queued.
 *
 * <p>A result the gateway cannot accept as sent (400/413/422, e.g. too large) is replaced once by an error
 * result that says so, so the job ends FAILED with a reason instead of COMPLETED with no output. A result
 * for a job the gateway no longer knows (404/410) is dropped with a warning.
 */
public final class ResultOutbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResultOutbox.class);

    private final GatewayClient gateway;
    private final Path spoolDir;
    private final Backoff backoff;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Entry> pending = new LinkedHashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile SettledListener settledListener = (id, t, accepted) -> { };

    /** Told when a result leaves the outbox: accepted by the gateway, or dropped. */
    @FunctionalInterface
    public interface SettledListener {
        /**
         * @param atNanos {@link System#nanoTime()} when the gateway answered
         * @param accepted true when the gateway accepted the result, false when it was dropped
         */
        void settled(String jobId, long atNanos, boolean accepted);
    }

    private static final class Entry {
        final String jobId;
        JsonNode body;
        int attempts;
        Instant due;
        boolean replacedByError;

        Entry(String jobId, JsonNode body, Instant due) {
            this.jobId = jobId;
            this.body = body;
            this.due = due;
        }
    }

    /**
     * Opens the outbox on {@code spoolDir} (created if missing), queues every result a previous run left
     * there, and starts delivering.
     *
     * @throws IOException when the spool folder cannot be created or read
     */
    public static ResultOutbox open(GatewayClient gateway, Path spoolDir, Backoff backoff, Clock clock) throws IOException {
        Files.createDirectories(spoolDir);
        ResultOutbox outbox = new ResultOutbox(gateway, spoolDir, backoff, clock);
        outbox.recover();
        outbox.thread.start();
        return outbox;
    }

    private ResultOutbox(GatewayClient gateway, Path spoolDir, Backoff backoff, Clock clock) {
        this.gateway = gateway;
        this.spoolDir = spoolDir;
        this.backoff = backoff;
        this.clock = clock;
        this.thread = Thread.ofPlatform().daemon().name("result-outbox").unstarted(this::deliverLoop);
    }

    /**
     * Calls {@code listener} each time a result leaves the outbox, accepted or dropped (on the thread that
     * submitted it, or on the delivery thread for a retried one; it must be quick). Replaces any earlier listener.
     */
    public void onSettled(SettledListener listener) {
        this.settledListener = listener == null ? (id, t, accepted) -> { } : listener;
    }

    /**
     * Delivers the result: posts it at once on this thread when no other result waits for a retry; when that
     * post is not accepted, or results are waiting, makes it durable (spool file, fsynced) and queues it for the
     * delivery thread. The settled listener hears of an accepted direct post before this returns.
     *
     * @throws IOException when the spool file cannot be written (the result is still queued in memory)
     */
    public void submit(String jobId, JsonNode body) throws IOException {
        Entry entry = new Entry(jobId, body, clock.instant());
        if (!closed && pendingCount() == 0 && attempt(entry)) {
            return; // accepted (or dropped as the gateway asked): nothing to keep
        }
        try {
            // spool first: were it queued first, a fast delivery could delete the file before it is written
            writeSpool(jobId, entry.body);
        } finally {
            lock.lock();
            try {
                pending.put(jobId, entry);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** How many results are waiting for the gateway. */
    public int pendingCount() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every queued result has been delivered (or dropped), at most {@code timeout}. */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!pending.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Stops delivering; results not yet accepted stay in the spool for the next start. */
    @Override
    public void close() {
        closed = true;
        gateway.abort(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void recover() throws IOException {
        try (Stream<Path> files = Files.list(spoolDir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    JsonNode record = Json.MAPPER.readTree(file.toFile());
                    String jobId = record.path("jobId").asString();
                    pending.put(jobId, new Entry(jobId, record.get("body"), clock.instant()));
                    log.info("Found the undelivered result of job {} from an earlier run; posting it again", jobId);
                } catch (RuntimeException e) {
                    log.error("Spool file {} is unreadable and is skipped; move it away to silence this", file, e);
                }
            }
        }
    }

    private void deliverLoop() {
        while (!closed) {
            try {
                List<Entry> due = takeDue();
                for (Entry entry : due) {
                    deliver(entry);
                }
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                log.error("Result delivery loop failed; continuing", e);
            }
        }
    }

    private List<Entry> takeDue() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                Instant now = clock.instant();
                List<Entry> due = new ArrayList<>();
                Instant next = null;
                for (Entry e : pending.values()) {
                    if (!e.due.isAfter(now)) {
                        due.add(e);
                    } else if (next == null || e.due.isBefore(next)) {
                        next = e.due;
                    }
                }
                if (!due.isEmpty()) {
                    return due;
                }
                long waitMs = next == null ? 1_000 : Math.max(1, Duration.between(now, next).toMillis());
                changed.await(waitMs, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    private void deliver(Entry entry) {
        lock.lock();
        try {
            if (pending.get(entry.jobId) != entry) {
                return; // replaced by a newer submit
            }
        } finally {
            lock.unlock();
        }
        attempt(entry);
    }

    /**
     * Posts {@code entry} once and acts on the answer: accepted or dropped, it leaves the outbox (true);
     * otherwise it is due again later, possibly replaced by an error result (false).
     */
    private boolean attempt(Entry entry) {
        JsonNode body;
        lock.lock();
        try {
            body = entry.body;
        } finally {
            lock.unlock();
        }
        try {
            gateway.postResult(entry.jobId, body);
            long acceptedNanos = System.nanoTime();
            log.info("Gateway accepted the result of job {} after {} attempt(s)", entry.jobId, entry.attempts + 1);
            finish(entry);
            settled(entry, acceptedNanos, true);
            return true;
        } catch (GatewayUnavailableException e) {
            entry.attempts++;
            Duration delay = backoff.delay(entry.attempts);
            log.warn("Could not deliver the result of job {} (attempt {}), retrying in {} ms: {}",
                    entry.jobId, entry.attempts, delay.toMillis(), e.getMessage());
            reschedule(entry, delay);
            return false;
        } catch (GatewayRefusedException e) {
            if (e.status() == 404 || e.status() == 410) {
                log.warn("Gateway no longer knows job {} (HTTP {}); dropping its result", entry.jobId, e.status());
                finish(entry);
                settled(entry, System.nanoTime(), false);
                return true;
            } else if (e.status() == 401 || e.status() == 403) {
                entry.attempts++;
                log.error("Gateway refuses this worker's key (HTTP {}) for job {}; the result stays in the spool",
                        e.status(), entry.jobId);
                reschedule(entry, backoff.max());
                return false;
            } else if (!entry.replacedByError) {
                log.error("Gateway refused the result of job {} ({}); reporting that as the job's error instead",
                        entry.jobId, e.getMessage());
                replaceWithError(entry, e);
                return false;
            } else {
                log.error("Gateway refused even the error result of job {}; dropping it: {}", entry.jobId, e.getMessage());
                finish(entry);
                settled(entry, System.nanoTime(), false);
                return true;
            }
        }
    }

    private void settled(Entry entry, long atNanos, boolean accepted) {
        try {
            settledListener.settled(entry.jobId, atNanos, accepted);
        } catch (RuntimeException e) {
            log.warn("Result-settled listener failed for job {}", entry.jobId, e);
        }
    }

    private void replaceWithError(Entry entry, GatewayRefusedException e) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.put("error", "The gateway refused this job's result (HTTP " + e.status() + ": " + e.body()
                + "). If the output is large, deliver it to S3 or the gateway output store instead of inline.");
        lock.lock();
        try {
            entry.body = error;
            entry.replacedByError = true;
            entry.due = clock.instant();
        } finally {
            lock.unlock();
        }
        try {
            writeSpool(entry.jobId, error);
        } catch (IOException io) {
            log.warn("Could not rewrite the spool file of job {}", entry.jobId, io);
        }
    }

    private void reschedule(Entry entry, Duration delay) {
        lock.lock();
        try {
            entry.due = clock.instant().plus(delay);
        } finally {
            lock.unlock();
        }
    }

    private void finish(Entry entry) {
        lock.lock();
        try {
            if (pending.get(entry.jobId) == entry) {
                pending.remove(entry.jobId);
                deleteSpool(entry.jobId);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void writeSpool(String jobId, JsonNode body) throws IOException {
        ObjectNode record = Json.MAPPER.createObjectNode();
        record.put("jobId", jobId);
        record.set("body", body);
        byte[] bytes = Json.MAPPER.writeValueAsBytes(record);
        Path target = spoolFile(jobId);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void deleteSpool(String jobId) {
        try {
            Files.deleteIfExists(spoolFile(jobId));
        } catch (IOException e) {
            log.warn("Could not delete the spool file of delivered job {}", jobId, e);
        }
    }

    /** The job's spool file: see {@link SpoolFileName} for why long ids are hashed. */
    Path spoolFile(String jobId) {
        return spoolDir.resolve(SpoolFileName.of(jobId) + ".json");
    }
}
