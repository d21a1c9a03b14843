package io.comfyfleet.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this gateway's queue notices after the jobs' transactions commit, from one thread on its own
 * connection, one notice per endpoint carrying its count of jobs: a notice after a quiet spell goes out at
 * once, and while jobs keep coming the sends are at least {@code pace} apart, each with all that was
 * announced since the last (under a steady stream a parked job-take elsewhere hears at most that much
 * later, and the notices cost the database and every gateway's listener far less than one per job). Jobs that
 * changed (ended, progressed, ...) go out the same way, each id once per send ({@link JobChangeNotice}).
 *
 * <p>Why not NOTIFY inside each job's transaction: PostgreSQL serializes the commits of transactions that
 * notify (one lock per database, held until the commit's WAL flush ends), so every {@code /run} waited for
 * the syncs of the others, and each added a round trip. Here the jobs' commits group their syncs freely, and
 * the notices' own transactions commit without waiting for a sync (they change no data: a notice lost to a
 * crash is one the other gateways' periodic recheck covers, as for any lost notice).
 */
final class QueueAnnouncer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueAnnouncer.class);
    private static final String SEND = "SELECT pg_notify('" + QueueNotices.CHANNEL + "', payload)"
            + " FROM unnest(?::text[]) AS payload";
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final long CLOSE_WAIT_MS = 3_000;

    private final QueueNotices.Connector connector;
    private final String origin;
    private final long paceNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition announced = lock.newCondition();
    /** Jobs announced and not yet sent, per endpoint (guarded by {@link #lock}). */
    private Map<String, Integer> pending = new LinkedHashMap<>();
    /** Jobs changed and not yet told, once each however often they changed (guarded by {@link #lock}). */
    private Set<String> changed = new LinkedHashSet<>();
    private Thread sender;
    private boolean closed;
    /** When the last send began (sender thread only). */
    private long lastSend = System.nanoTime() - Long.MAX_VALUE / 2;

    QueueAnnouncer(QueueNotices.Connector connector, String origin, Duration pace) {
        this.connector = connector;
        this.origin = origin;
        this.paceNanos = pace.toNanos();
    }

    /** Other gateways will hear that {@code jobs} jobs of {@code endpoint} are queued; call once they are committed. */
    void announce(String endpoint, int jobs) {
        if (!new QueueNotice(origin, endpoint, Integer.MAX_VALUE).fits()) {
            // sending it would fail every batch it is in, for ever; waiting job-takes find the job at their recheck
            log.warn("not telling other gateways of {} job(s) of endpoint {}...: its name ({} characters) is too long"
                    + " for a PostgreSQL notice", jobs, endpoint.substring(0, 40), endpoint.length());
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            pending.merge(endpoint, jobs, Integer::sum);
            wakeSender();
        } finally {
            lock.unlock();
        }
    }

    /** Other gateways will hear that the job changed; call once the change is committed. */
    void changed(String jobId) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            changed.add(jobId);
            wakeSender();
        } finally {
            lock.unlock();
        }
    }

    /** Starts the sender on first use, else wakes it; call holding {@link #lock}. */
    private void wakeSender() {
        if (sender == null) {
            sender = Thread.ofPlatform().daemon().name("comfyfleet-queue-announcer").start(this::sendUntilClosed);
        }
        announced.signal();
    }

    /** What one send carries: queued jobs per endpoint, and changed jobs. */
    private record Batch(Map<String, Integer> queued, Set<String> changed) {}

    private void sendUntilClosed() {
        Connection c = null;
        long backoff = MIN_BACKOFF_MS;
        try {
            for (Batch batch; (batch = next()) != null; ) {
                try {
                    if (c == null) {
                        c = open();
                    }
                    send(c, batch);
                    backoff = MIN_BACKOFF_MS;
                } catch (SQLException | RuntimeException e) {
                    closeQuietly(c);
                    c = null;
                    putBack(batch);
                    log.warn("could not tell other gateways of {} queued and {} changed job(s) ({}); trying again in"
                            + " {} ms, their job-takes recheck the queue meanwhile",
                            batch.queued().values().stream().mapToInt(n -> n).sum(), batch.changed().size(),
                            e.getMessage(), backoff);
                    if (!pause(backoff)) {
                        return;
                    }
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                }
            }
        } finally {
            closeQuietly(c);
        }
    }

    private Connection open() throws SQLException {
        Connection c = connector.connect();
        try (Statement s = c.createStatement()) {
            // a notice changes no data: its commit need not wait for a sync
            s.execute("SET synchronous_commit = off");
        }
        return c;
    }

    private void send(Connection c, Batch batch) throws SQLException {
        List<String> all = new ArrayList<>();
        batch.queued().forEach((endpoint, jobs) -> all.add(new QueueNotice(origin, endpoint, jobs).payload()));
        JobChangeNotice.of(origin, batch.changed()).forEach(n -> all.add(n.payload()));
        String[] payloads = all.toArray(String[]::new);
        try (PreparedStatement ps = c.prepareStatement(SEND)) {
            ps.setArray(1, c.createArrayOf("text", payloads));
            ps.executeQuery().close();
        }
    }

    /** What was announced since the last send, once there is some; null once closed with nothing left. */
    private Batch next() {
        lock.lock();
        try {
            while (pending.isEmpty() && changed.isEmpty() && !closed) {
                announced.awaitUninterruptibly();
            }
            for (long left; !closed && (left = lastSend + paceNanos - System.nanoTime()) > 0; ) {
                announced.awaitNanos(left); // gathering what comes meanwhile
            }
            if (pending.isEmpty() && changed.isEmpty()) {
                return null; // closed, and what was announced before is sent
            }
            lastSend = System.nanoTime();
            Batch batch = new Batch(pending, changed);
            pending = new LinkedHashMap<>();
            changed = new LinkedHashSet<>();
            return batch;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    private void putBack(Batch batch) {
        lock.lock();
        try {
            batch.queued().forEach((endpoint, jobs) -> pending.merge(endpoint, jobs, Integer::sum));
            changed.addAll(batch.changed());
        } finally {
            lock.unlock();
        }
    }

    /** Waits {@code ms} unless closed first; false when closed. */
    private boolean pause(long ms) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        lock.lock();
        try {
            for (long left; !closed && (left = end - System.nanoTime()) > 0; ) {
                announced.awaitNanos(left);
            }
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException ignored) {
                // the connection is being given up anyway
            }
        }
    }

    @Override
    public void close() {
        Thread running;
        lock.lock();
        try {
            closed = true;
            running = sender;
            announced.signalAll();
        } finally {
            lock.unlock();
        }
        if (running != null) {
            try {
                running.join(CLOSE_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
