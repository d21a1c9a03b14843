package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite file: a single writer connection behind a fair lock, plus a few read-only connections.
 *
 * <p>Why one writer: SQLite lets one transaction write at a time whatever the number of connections, and
 * several writer connections would meet on the file lock, where {@code busy_timeout} retries with sleeps
 * (milliseconds of tail latency). A Java lock hands the writer over in microseconds and in arrival order.
 * Readers use their own connections: in WAL mode they never wait for the writer's fsync.
 */
final class SqliteDatabase implements Database {
    private static final int READERS = 2;
    private static final int BUSY_TIMEOUT_MS = 5_000;
    private static final long READER_WAIT_SECONDS = 10;

    private final Path file;
    private final Dialect dialect = new SqliteDialect();
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final Connection writer;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final List<Connection> all = new ArrayList<>();

    SqliteDatabase(Path file) throws SQLException {
        this.file = file;
        try {
            this.writer = open(writerConfig());
            all.add(writer);
            for (int i = 0; i < READERS; i++) {
                Connection reader = open(readerConfig());
                all.add(reader);
                readers.add(reader);
            }
        } catch (SQLException e) {
            close();
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
    public <T> T write(String what, SqlWork<T> work) {
        writeLock.lock();
        try {
            // Autocommit is on between writes: sqlite-jdbc begins the next transaction right after a commit,
            // and an idle open IMMEDIATE transaction would keep every other process from writing the file.
            // Turning autocommit off runs BEGIN IMMEDIATE; turning it back on commits.
            writer.setAutoCommit(false);
            try {
                T result = work.run(writer);
                writer.setAutoCommit(true);
                return result;
            } catch (SQLException e) {
                rollback();
                throw failure(what, e);
            } catch (RuntimeException | Error e) {
                rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure(what, e);
        } finally {
            writeLock.unlock();
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

    @Override
    public void close() {
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
