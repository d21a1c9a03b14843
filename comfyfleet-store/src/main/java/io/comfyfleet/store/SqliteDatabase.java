package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite file: a single writer connection behind a fair lock, plus a few read-only connections.
 *
 * <p>Why one writer: SQLite lets one transaction write at a time whatever the number of connections, and
 * several writer connections would meet on the file lock, where {@code busy_timeout} retries with sleeps
 * (milliseconds of tail latency). A Java lock hands the writer over in microseconds and in arrival order,
 * and lets the writes that queued up meanwhile share one commit (see {@link #commitPending()}).
 * Readers use their own connections: in WAL mode they never wait for the writer's fsync.
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

    private final Path file;
    private final int maxBatch;
    private final Dialect dialect = new SqliteDialect();
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final Queue<PendingWrite<?>> pending = new ConcurrentLinkedQueue<>();
    private final Connection writer;
    /** Whether the writer's commits fsync now (synchronous=FULL, as opened); guarded by the writer lock. */
    private boolean syncing = true;
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
        this.maxBatch = maxBatch;
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
    public <T> T write(String what, Durability durability, SqlWork<T> work) {
        PendingWrite<T> mine = new PendingWrite<>(what, durability, work);
        pending.add(mine);
        writeLock.lock();
        try {
            // usually one round; more when over maxBatch writes were queued ahead of this one
            while (!mine.isDone()) {
                commitPending();
            }
        } finally {
            writeLock.unlock();
        }
        return mine.outcome();
    }

    /**
     * Group commit: runs every write waiting now in one transaction, each inside its own savepoint, and
     * commits once. A commit costs an fsync (milliseconds on most disks) however much it carries, so under
     * load many requests share one; alone, a write is its own batch. A write that fails is rolled back to its
     * savepoint without touching the others; a commit that fails fails the whole batch. Callers learn their
     * outcome only after the commit, so what they are told happened is committed, and synced when any write
     * of the batch asked for {@link Durability#SYNCED}.
     *
     * <p>A batch of only {@link Durability#COMMITTED} writes commits with {@code synchronous=NORMAL}: in WAL
     * mode that appends to the log without an fsync, and the next FULL commit's fsync of the same log file
     * makes it durable too, in order. The database stays consistent either way.
     */
    private void commitPending() {
        List<PendingWrite<?>> batch = new ArrayList<>();
        boolean sync = false;
        for (PendingWrite<?> w; batch.size() < maxBatch && (w = pending.poll()) != null; ) {
            batch.add(w);
            sync |= w.durability == Durability.SYNCED;
        }
        try {
            syncCommits(sync);
            // Autocommit is on between batches: sqlite-jdbc begins the next transaction right after a commit,
            // and an idle open IMMEDIATE transaction would keep every other process from writing the file.
            // Turning autocommit off runs BEGIN IMMEDIATE; turning it back on commits.
            writer.setAutoCommit(false);
            for (PendingWrite<?> w : batch) {
                runInSavepoint(w);
            }
            writer.setAutoCommit(true);
        } catch (SQLException e) {
            rollback();
            for (PendingWrite<?> w : batch) {
                w.fail(failure(w.what + (batch.size() > 1 ? " (with " + (batch.size() - 1) + " other writes)" : ""),
                        e));
            }
            return;
        }
        for (PendingWrite<?> w : batch) {
            w.commit();
        }
    }

    /** Sets synchronous=FULL or NORMAL for the next commit (outside a transaction; only when it changes). */
    private void syncCommits(boolean sync) throws SQLException {
        if (sync != syncing) {
            try (Statement s = writer.createStatement()) {
                s.execute(sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            }
            syncing = sync;
        }
    }

    private void runInSavepoint(PendingWrite<?> w) throws SQLException {
        try (Statement s = writer.createStatement()) {
            s.execute("SAVEPOINT one_write");
            try {
                w.run(writer);
            } catch (SQLException e) {
                w.fail(failure(w.what, e));
            } catch (RuntimeException | Error e) {
                w.fail(e);
            }
            if (w.failed()) {
                s.execute("ROLLBACK TO one_write");
            }
            s.execute("RELEASE one_write");
        }
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

    private void rollback() {
        // the original failure is the one worth reporting; a failed rollback leaves nothing committed
        try {
            writer.rollback();
        } catch (SQLException ignored) {
            // fall through: back to autocommit all the same
        }
        try {
            writer.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the next write's BEGIN reports a connection that is truly broken
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
        checkpointer.close();
        closeConnections();
        try {
            owner.close();
        } catch (Exception ignored) {
            // the OS drops the owner lock with the process anyway
        }
    }

    private void closeConnections() {
        writeLock.lock();
        try {
            for (Connection c : all) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing: nothing left to do with a connection that will not close
                }
            }
        } finally {
            writeLock.unlock();
        }
    }
}
