package io.comfyfleet.store;

import io.comfyfleet.core.job.QueueWakeups;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wake-ups between gateways sharing one PostgreSQL: once a transaction that queued jobs commits, the gateway
 * sends a NOTIFY naming their endpoint and count ({@link QueueAnnouncer}, {@link QueueNotice}), and one
 * listener connection per gateway passes the notices of other gateways on to its waiting job-takes.
 *
 * <p>Notices are not durable (one sent while the listener was reconnecting is lost), so the listener also
 * asks every waiter to look at the queue after each reconnect and every {@code recheck} period: a lost
 * notice (or one never sent: the gateway stopped between the commit and the notice) delays a job by at most
 * that period, and never loses it (the job is in the table).
 */
final class QueueNotices implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueNotices.class);
    static final String CHANNEL = "comfyfleet_queued";
    /** How long one wait for notices blocks at most, so a close is noticed soon even if abort fails. */
    private static final int MAX_POLL_MS = 1_000;
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;

    /** Opens a connection of its own (never a pooled one: LISTEN belongs to a session). */
    @FunctionalInterface
    interface Connector {
        Connection connect() throws SQLException;
    }

    private final Connector connector;
    private final Duration recheck;
    /** Tells this gateway's own notices (it woke its waiters in-process already) from the others'. */
    private final String origin = UUID.randomUUID().toString();
    private final QueueAnnouncer announcer;
    private final List<QueueWakeups> watchers = new CopyOnWriteArrayList<>();
    private final Object lifecycle = new Object();
    private Thread listener;
    private volatile Connection current;
    private volatile boolean closed;

    /**
     * {@code listen} opens the listener's connection, {@code announce} the announcer's, which sends at most once
     * every {@code pace} (see {@link QueueAnnouncer}).
     */
    QueueNotices(Connector listen, Connector announce, Duration pace, Duration recheck) {
        this.connector = listen;
        this.recheck = recheck;
        this.announcer = new QueueAnnouncer(announce, origin, pace);
    }

    /**
     * Other gateways will hear that {@code jobs} jobs of {@code endpoint} became IN_QUEUE: call once their
     * transaction committed (sent soon after, see {@link QueueAnnouncer}).
     */
    void announce(String endpoint, int jobs) {
        announcer.announce(endpoint, jobs);
    }

    /**
     * Other gateways will hear that the job changed, so calls waiting on it there read it again: call once the
     * change committed.
     */
    void changed(String jobId) {
        announcer.changed(jobId);
    }

    /** Passes other gateways' notices to {@code wakeups} until the handle is closed; starts listening on first use. */
    AutoCloseable watch(QueueWakeups wakeups) {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("the job store is closed");
            }
            watchers.add(wakeups);
            if (listener == null) {
                listener = Thread.ofPlatform().daemon().name("comfyfleet-queue-listener").start(this::listen);
            }
        }
        return () -> watchers.remove(wakeups);
    }

    private void listen() {
        long backoff = MIN_BACKOFF_MS;
        int failures = 0;
        while (!closed) {
            try (Connection c = connector.connect()) {
                current = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                if (failures > 0) {
                    log.info("listening for other gateways' jobs again after {} failed attempts", failures);
                }
                failures = 0;
                backoff = MIN_BACKOFF_MS;
                // whatever other gateways queued or changed while this one was not listening
                recheckAll();
                changesMissed();
                receive(c);
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                failures++;
                log.warn("lost the connection that hears of jobs queued by other gateways ({}; attempt {});"
                        + " reconnecting in {} ms, waiting job-takes recheck the queue meanwhile", e.getMessage(),
                        failures, backoff);
                recheckAll();
                sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            } finally {
                current = null;
            }
        }
    }

    private void receive(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long nextCheck = System.nanoTime() + recheck.toNanos();
        while (!closed) {
            long untilCheckMs = TimeUnit.NANOSECONDS.toMillis(nextCheck - System.nanoTime());
            PGNotification[] notices = pg.getNotifications((int) Math.clamp(untilCheckMs, 1, MAX_POLL_MS));
            if (notices != null) {
                for (PGNotification notice : notices) {
                    deliver(notice.getParameter());
                }
            }
            if (System.nanoTime() - nextCheck >= 0) {
                // a connection silently cut (no reset) would otherwise just look quiet
                if (!c.isValid(5)) {
                    throw new SQLException("the listener connection stopped answering");
                }
                recheckAll();
                nextCheck = System.nanoTime() + recheck.toNanos();
            }
        }
    }

    private void deliver(String payload) {
        JobChangeNotice change = JobChangeNotice.parse(payload);
        if (change != null) {
            if (!change.origin().equals(origin)) {
                tellEach("on a notice of changed jobs", w -> change.jobIds().forEach(w::changedElsewhere));
            }
            return;
        }
        QueueNotice notice = QueueNotice.parse(payload);
        if (notice == null || notice.origin().equals(origin)) {
            return;
        }
        tellEach("on a notice of queued jobs", w -> {
            for (int n = 0; n < notice.jobs(); n++) {
                w.queued(notice.endpoint());
            }
        });
    }

    private void changesMissed() {
        tellEach("to look at its jobs again", QueueWakeups::changesMissed);
    }

    private void recheckAll() {
        tellEach("to recheck", QueueWakeups::recheckAll);
    }

    /** Calls every watcher; one that throws is logged ({@code what} it failed at) and the others still told. */
    private void tellEach(String what, Consumer<QueueWakeups> call) {
        for (QueueWakeups w : watchers) {
            try {
                call.accept(w);
            } catch (RuntimeException e) {
                log.warn("a queue watcher failed {}", what, e);
            }
        }
    }

    private void sleep(long ms) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        try {
            while (!closed && end - System.nanoTime() > 0) {
                Thread.sleep(Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        announcer.close();
        Thread running;
        synchronized (lifecycle) {
            closed = true;
            running = listener;
        }
        if (running == null) {
            return;
        }
        Connection c = current;
        if (c != null) {
            try {
                // abort closes the socket without waiting for the listener's read to return
                c.abort(Runnable::run);
            } catch (SQLException | RuntimeException ignored) {
                // the listener's next poll (at most MAX_POLL_MS) sees the flag
            }
        }
        try {
            running.join(MAX_POLL_MS * 3L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
