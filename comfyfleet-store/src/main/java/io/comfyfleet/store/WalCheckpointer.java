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
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);

    private final Connection connection;
    private final ScheduledExecutorService timer;
    private boolean warned;
    /** Guarded by this: a round that was already due when {@link #close()} ran must not touch the connection. */
    private boolean closed;

    WalCheckpointer(Connection connection, Duration interval) {
        this.connection = connection;
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
            return Math.max(0, r.getInt(2) - r.getInt(3));
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
