package io.comfyfleet.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the SQLite write-ahead log back into the database file on a thread of its own, so no request pays for
 * it.
 *
 * <p>Why: by default SQLite checkpoints inside the commit that pushes the log past 1,000 pages, on the writer's
 * connection: that one {@code /run} copies the pages and fsyncs the database file before it answers (tens of
 * milliseconds, once 265 ms, every few hundred commits; the dispatch tail). With the writer's automatic
 * checkpoints off ({@code wal_autocheckpoint=0}), this class runs a PASSIVE checkpoint on its own connection
 * every interval: PASSIVE never takes the write lock, so commits go on while it copies, and once everything is
 * copied and no reader still uses the log, the next commit starts the log over from its beginning. A checkpoint
 * that finds the log busy simply leaves the rest for the next round.
 *
 * <p>Under a steady stream of commits that moment never comes: each round copies what was there, but the writer
 * has appended more by the time it ends, so the log is never wholly copied at a moment without a writer, and it
 * grows without end (341 MB for an 18 MB database after ~40 s at 1,000 {@code /run} per second). So when
 * a round finds the log past {@code restartFrames}, it asks the writer to start it over ({@link #restartIfAsked}):
 * the writer's thread runs a RESTART checkpoint on its own connection between two batches. There it waits for no
 * other writer (a RESTART from this connection almost never found the write lock free while the writer committed
 * back to back); it copies the few frames appended since the round, syncs the database file, and waits for
 * readers to leave the log, and the next commit starts the log from its beginning (the writer's
 * {@code journal_size_limit} trims the file).
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);

    private final Connection connection;
    private final ScheduledExecutorService timer;
    private boolean warned;
    /** Guarded by this: a round that was already due when {@link #close()} ran must not touch the connection. */
    private boolean closed;

    /** The default of {@code restartFrames}: 16,384 frames, 64 MB of log at SQLite's default 4 KB pages. */
    static final int RESTART_FRAMES = 16_384;

    private final int restartFrames;
    /** Set by a round that found the log past {@link #restartFrames}; cleared by the writer that restarts it. */
    private volatile boolean restartAsked;

    WalCheckpointer(Connection connection, Duration interval) {
        this(connection, interval, RESTART_FRAMES);
    }

    WalCheckpointer(Connection connection, Duration interval, int restartFrames) {
        this.connection = connection;
        this.restartFrames = restartFrames;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sqlite-checkpoint");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::checkpointQuietly, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Runs one PASSIVE checkpoint now; answers how many log frames were still not copied afterwards. */
    synchronized int checkpoint() throws SQLException {
        if (closed) {
            return 0;
        }
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            // one row: busy flag, frames in the log, frames copied into the database (-1, -1 when not in WAL)
            r.next();
            if (r.getInt(2) >= restartFrames) {
                restartAsked = true;
            }
            return Math.max(0, r.getInt(2) - r.getInt(3));
        }
    }

    /**
     * On the writer's thread, between two batches, with the writer's connection: starts the log over if a round
     * asked for it (a volatile read otherwise). Its failure leaves the log as it was, to be asked again.
     */
    void restartIfAsked(Connection writer) throws SQLException {
        if (!restartAsked) {
            return;
        }
        restartAsked = false;
        try (Statement s = writer.createStatement(); ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(RESTART)")) {
            r.next();
            if (r.getInt(1) != 0) {
                log.debug("SQLite log restart was busy ({} of {} frames copied); the next round asks again",
                        r.getInt(3), r.getInt(2));
            }
        }
    }

    private void checkpointQuietly() {
        try {
            checkpoint();
            warned = false;
        } catch (SQLException | RuntimeException e) {
            // the log keeps every commit until a later round succeeds; say so once, not every second
            if (!warned) {
                log.warn("SQLite write-ahead log checkpoint failed (will retry): {}", e.getMessage());
                warned = true;
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        timer.shutdownNow();
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing: the last connection to close checkpoints the log itself
        }
    }
}
