package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite file: a single writer connection driven by a {@link GroupCommitWriter}, plus a few read-only
 * connections.
 *
 * <p>Why one writer: SQLite lets one transaction write at a time whatever the number of connections, and
 * several writer connections would meet on the file lock, where {@code busy_timeout} retries with sleeps
 * (milliseconds of tail latency). One writer thread takes the writes in arrival order and lets the writes that
 * queued up meanwhile share one commit. Readers use their own connections: in WAL mode they never wait for the
 * writer's fsync.
 */
final class SqliteDatabase implements Database {
    private static final int READERS = 2;
    private static final int BUSY_TIMEOUT_MS = 5_000;
    private static final long READER_WAIT_SECONDS = 10;
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    /** The log file is cut back to this size when it starts over (it otherwise keeps its largest size). */
    private static final int LOG_SIZE_LIMIT_BYTES = 64 << 20;
    /** Keeps one group commit's transaction, and so the wait of the writes behind it, short. */
    static final int MAX_BATCH = 256;
    /** Writes waiting for the writer: at 2,000 writes a second about two seconds of a stalled disk. */
    private static final int WRITE_QUEUE = 4_096;
    /** How long a write waits for room in a full queue before it is refused. */
    private static final Duration ADMIT_WAIT = Duration.ofSeconds(10);

    private final Path file;
    private final Dialect dialect = new SqliteDialect();
    private final Connection writer;
    private final GroupCommitWriter writes;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final List<Connection> all = new ArrayList<>();
    private final WalCheckpointer checkpointer;
    private final AutoCloseable owner;

    SqliteDatabase(Path file) throws SQLException {
        this(file, MAX_BATCH);
    }

    SqliteDatabase(Path file, int maxBatch) throws SQLException {
        this(file, maxBatch, () -> { });
    }

    /** @param owner released when this database closes (the one-gateway-per-file lock) */
    SqliteDatabase(Path file, int maxBatch, AutoCloseable owner) throws SQLException {
        this.file = file;
        this.owner = owner;
        try {
            this.writer = open(writerConfig());
            all.add(writer);
            try (Statement s = writer.createStatement()) {
                // checkpoints happen on the checkpointer's thread, never inside a request's commit
                s.execute("PRAGMA wal_autocheckpoint = 0");
            }
            for (int i = 0; i < READERS; i++) {
                Connection reader = open(readerConfig());
                all.add(reader);
                readers.add(reader);
            }
            this.checkpointer = new WalCheckpointer(open(checkpointerConfig()), CHECKPOINT_INTERVAL);
            this.writes = new GroupCommitWriter(writer, "SQLite job store at " + file, maxBatch, WRITE_QUEUE,
                    ADMIT_WAIT);
            writes.betweenBatches(c -> {
                checkpointer.restartIfAsked(c);
                return null;
            });
        } catch (SQLException e) {
            closeConnections();
            throw e;
        }
    }

    static String url(Path file) {
        return "jdbc:sqlite:" + file.toAbsolutePath();
    }

    /** The settings that make an accepted job survive a crash: WAL with a sync at every commit. */
    static SQLiteConfig writerConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        // take the write lock at BEGIN, so a transaction never fails half-way on another process's lock
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.enforceForeignKeys(true);
        config.setJournalSizeLimit(LOG_SIZE_LIMIT_BYTES);
        return config;
    }

    private static SQLiteConfig checkpointerConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        return config;
    }

    private static SQLiteConfig readerConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.setReadOnly(true);
        return config;
    }

    private Connection open(SQLiteConfig config) throws SQLException {
        return config.createConnection(url(file));
    }

    @Override
    public boolean groupsWrites() {
        return true;
    }

    @Override
    public <T> T write(String what, Durability durability, SqlWork<T> work) {
        return writes.write(what, durability, work);
    }

    @Override
    public <T> T write(String what, Durability durability, SqlWork<T> work, Consumer<? super T> ordered) {
        return writes.write(what, durability, work, ordered);
    }

    @Override
    public <T> T read(String what, SqlWork<T> work) {
        Connection reader = takeReader(what);
        try {
            return work.run(reader);
        } catch (SQLException e) {
            throw failure(what, e);
        } finally {
            readers.add(reader);
        }
    }

    private Connection takeReader(String what) {
        try {
            Connection reader = readers.poll(READER_WAIT_SECONDS, TimeUnit.SECONDS);
            if (reader == null) {
                throw new JobStoreException("SQLite job store at " + file + ": no read connection came free in "
                        + READER_WAIT_SECONDS + " s to " + what + " (" + READERS + " readers, all busy)");
            }
            return reader;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobStoreException("interrupted while waiting for a read connection to " + what, e);
        }
    }

    private JobStoreException failure(String what, SQLException e) {
        return new JobStoreException(
                "SQLite job store at " + file + " failed to " + what + ": " + e.getMessage(), e);
    }

    @Override
    public Dialect dialect() {
        return dialect;
    }

    /** Runs a checkpoint now (tests); answers the log frames not yet copied into the database file. */
    int checkpointNow() throws SQLException {
        return checkpointer.checkpoint();
    }

    @Override
    public void close() {
        writes.close();
        checkpointer.close();
        closeConnections();
        try {
            owner.close();
        } catch (Exception ignored) {
            // the OS drops the owner lock with the process anyway
        }
    }

    private void closeConnections() {
        for (Connection c : all) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing: nothing left to do with a connection that will not close
            }
        }
    }
}
