package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every write to one SQLite connection on a platform thread of its own, in group commits: the writes that
 * queued up while the previous commit was syncing run together in one transaction, each in its own savepoint,
 * and one commit (one fsync) makes them all durable. A caller is answered only after the commit that carried
 * its write, so what it is told was written is on disk (or, for {@link Durability#COMMITTED} alone, committed).
 *
 * <p>Why a thread of its own rather than a lock the callers take in turn: the gateway's request threads are
 * virtual, and a virtual thread inside SQLite's native code (the fsync above all) holds one of the few carrier
 * threads (one per core) for the whole call; here callers only park, and the carriers stay free for HTTP. The
 * writer also wakes every caller of a batch at once, instead of handing a lock from one to the next.
 *
 * <p>Failure behaviour: a write whose own statements fail is rolled back to its savepoint and that caller
 * alone gets the error. A commit that fails rolls the whole batch back and every caller in it gets an error
 * naming the batch; none is told its write happened. When the queue ({@code capacity} writes) stays full for
 * {@code admitWait}, a new write is refused with the queue's numbers, before anything is written. Closing
 * commits what was queued before the close and refuses what comes after.
 */
final class GroupCommitWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
    /** Marks the end of the queue at close; never run. */
    private static final PendingWrite<Void> STOP = new PendingWrite<>("stop", Durability.COMMITTED, c -> null, null);
    /** How often a waiting caller checks that the writer thread is still there (only matters after close). */
    private static final long ALIVE_CHECK_MS = 1_000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final Connection connection;
    private final String where;
    private final int maxBatch;
    private final Duration admitWait;
    private final BlockingQueue<PendingWrite<?>> queue;
    private final Thread thread;
    private volatile boolean closed;
    /** Writer thread only: whether commits fsync now (synchronous=FULL, as the connection was opened). */
    private boolean syncing = true;
    /** Writer thread writes, others read for error messages. */
    private volatile long lastCommitNanos;
    private volatile int lastBatchSize;
    private final AtomicLong commits = new AtomicLong();
    /** Run by the writer thread after each batch, with its connection; see {@link #betweenBatches}. */
    private volatile SqlWork<?> betweenBatches = c -> null;

    /**
     * @param connection a connection opened with {@code synchronous=FULL} and autocommit on; this writer owns
     *     its use from now on (not its closing)
     * @param where      names the database in error messages, e.g. "SQLite job store at /data/jobs.db"
     * @param maxBatch   the most writes one transaction carries (keeps one commit, and the wait behind it, short)
     * @param capacity   the most writes waiting for the writer; more wait up to {@code admitWait} for room
     */
    GroupCommitWriter(Connection connection, String where, int maxBatch, int capacity, Duration admitWait) {
        if (maxBatch < 1 || capacity < 1) {
            throw new IllegalArgumentException("maxBatch and capacity must be at least 1, got " + maxBatch + " and "
                    + capacity);
        }
        this.connection = connection;
        this.where = where;
        this.maxBatch = maxBatch;
        this.admitWait = admitWait;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofPlatform().name("sqlite-writer").daemon(true).unstarted(this::runUntilClosed);
        thread.start();
    }

    /**
     * Runs the work in a transaction on the writer thread and waits for the commit that carries it.
     *
     * @throws JobStoreException when the work's statements fail (naming {@code what}), the commit fails, the
     *     queue stayed full for the admission wait, or the writer is closed; runtime exceptions of the work
     *     itself (the store's typed conflicts) pass through unchanged
     */
    <T> T write(String what, Durability durability, SqlWork<T> work) {
        return write(what, durability, work, null);
    }

    /**
     * As {@link #write(String, Durability, SqlWork)}, telling {@code ordered} the work's result on the writer thread
     * once its statements ran, before the batch's commit: every write queued after this one is applied after
     * it, so what the listener sets going may already write about it. It runs once per successful work (not
     * when the work's own statements failed); a commit that fails afterwards still fails this call.
     */
    <T> T write(String what, Durability durability, SqlWork<T> work, Consumer<? super T> ordered) {
        if (Thread.currentThread() == thread) {
            // a write issued from inside a write would wait for the very thread that runs it
            throw new IllegalStateException("a write to " + where + " cannot be made from inside another write ("
                    + what + ")");
        }
        PendingWrite<T> mine = new PendingWrite<>(what, durability, work, ordered);
        admit(mine);
        awaitOutcome(mine);
        return mine.outcome();
    }

    private void admit(PendingWrite<?> w) {
        if (closed) {
            throw closedFailure(w);
        }
        boolean queued;
        try {
            queued = queue.offer(w, admitWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobStoreException(where + ": interrupted while waiting for room to " + w.what
                    + " (nothing was written)", e);
        }
        if (!queued) {
            throw new JobStoreException(where + ": cannot " + w.what + ": the writer's queue stayed full for "
                    + admitWait.toMillis() + " ms (" + queue.size() + " writes waiting, up to " + maxBatch
                    + " per commit; the last commit carried " + lastBatchSize + " writes and took "
                    + TimeUnit.NANOSECONDS.toMillis(lastCommitNanos) + " ms). Nothing was written;"
                    + " the disk is slower than the writes coming in");
        }
    }

    /**
     * Waits for the commit without giving up on an interrupt: once queued, the write may already be in a commit,
     * and a caller told "failed" for a job that was then stored would be wrong either way round.
     */
    private void awaitOutcome(PendingWrite<?> w) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (w.awaitSettled(ALIVE_CHECK_MS, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                    if (!thread.isAlive() && !w.isSettled()) {
                        // queued just as the writer stopped: nothing will run it
                        w.fail(closedFailure(w));
                        w.settle();
                        return;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runUntilClosed() {
        List<PendingWrite<?>> batch = new ArrayList<>(maxBatch);
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, maxBatch - 1);
                stopping = batch.remove(STOP);
                if (!batch.isEmpty()) {
                    commit(batch);
                    maintain();
                }
            } catch (InterruptedException e) {
                // only close() stops this thread, through STOP; an interrupt from elsewhere is not a stop
            } catch (RuntimeException | Error e) {
                // commit() settles its batch whatever happens; this is a bug around it, and the loop must live on
                log.error("{}: unexpected failure in the writer loop (carrying on)", where, e);
                for (PendingWrite<?> w : batch) {
                    w.fail(e);
                    w.settle();
                }
            } finally {
                batch.clear();
            }
        }
        List<PendingWrite<?>> late = new ArrayList<>();
        queue.drainTo(late);
        for (PendingWrite<?> w : late) {
            w.fail(closedFailure(w));
            w.settle();
        }
    }

    /**
     * Work for the writer's connection between two batches, when no transaction is open (e.g. starting the log
     * over, which only the one writer can do without waiting for a writer). It runs after the batch's callers were
     * answered; the next batch waits for it. A failure is logged, and the writer carries on.
     */
    void betweenBatches(SqlWork<?> work) {
        this.betweenBatches = work;
    }

    private void maintain() {
        try {
            betweenBatches.run(connection);
        } catch (SQLException | RuntimeException e) {
            log.warn("{}: work between two commits failed (carrying on): {}", where, e.getMessage());
        }
    }

    /**
     * One group commit. A batch of only {@link Durability#COMMITTED} writes commits with
     * {@code synchronous=NORMAL}: in WAL mode that appends to the log without an fsync, and the next FULL
     * commit's fsync of the same log file makes it durable too, in order.
     */
    private void commit(List<PendingWrite<?>> batch) {
        long start = System.nanoTime();
        boolean sync = false;
        for (PendingWrite<?> w : batch) {
            sync |= w.durability == Durability.SYNCED;
        }
        try {
            syncCommits(sync);
            // Autocommit is on between batches: sqlite-jdbc begins the next transaction right after a commit,
            // and an idle open IMMEDIATE transaction would keep every other process from writing the file.
            // Turning autocommit off runs BEGIN IMMEDIATE; turning it back on commits.
            connection.setAutoCommit(false);
            for (PendingWrite<?> w : batch) {
                runInSavepoint(w);
            }
            for (PendingWrite<?> w : batch) {
                tellRan(w);
            }
            connection.setAutoCommit(true);
        } catch (SQLException | RuntimeException | Error e) {
            rollback();
            String others = batch.size() > 1 ? " (with " + (batch.size() - 1) + " other writes)" : "";
            for (PendingWrite<?> w : batch) {
                w.fail(new JobStoreException(where + " failed to " + w.what + others + ": " + e.getMessage()
                        + "; nothing of this commit was written", e));
            }
        } finally {
            lastCommitNanos = System.nanoTime() - start;
            lastBatchSize = batch.size();
            commits.incrementAndGet();
            for (PendingWrite<?> w : batch) {
                w.settle();
            }
        }
    }

    /** Sets synchronous=FULL or NORMAL for the next commit (outside a transaction; only when it changes). */
    private void syncCommits(boolean sync) throws SQLException {
        if (sync != syncing) {
            try (Statement s = connection.createStatement()) {
                s.execute(sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            }
            syncing = sync;
        }
    }

    private void runInSavepoint(PendingWrite<?> w) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SAVEPOINT one_write");
            try {
                w.run(connection);
            } catch (SQLException e) {
                w.fail(new JobStoreException(where + " failed to " + w.what + ": " + e.getMessage(), e));
            } catch (RuntimeException | Error e) {
                w.fail(e);
            }
            if (w.failed()) {
                s.execute("ROLLBACK TO one_write");
            }
            s.execute("RELEASE one_write");
        }
    }

    /** A listener's failure is its own: it neither undoes the write nor stops the batch. */
    private void tellRan(PendingWrite<?> w) {
        try {
            w.ran();
        } catch (RuntimeException e) {
            log.error("{}: the listener of '{}' failed after its statements ran (the write goes on)", where, w.what, e);
        }
    }

    private void rollback() {
        // the original failure is the one worth reporting; a failed rollback leaves nothing committed
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // fall through: back to autocommit all the same
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the ROLLBACK below ends what is left
        }
        // A COMMIT that SQLite refuses (a deferred constraint, a full disk) leaves its transaction open, while
        // sqlite-jdbc already counts the connection as back in autocommit: end it here, or every later batch
        // would fail to BEGIN ("cannot start a transaction within a transaction").
        try (Statement s = connection.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException expected) {
            // "no transaction is active": the usual case, the rollback above ended it
        }
    }

    /** Writes waiting for the writer thread now (not counting the batch it is running). */
    int queued() {
        return queue.size();
    }

    /** Transactions committed or rolled back so far, each carrying one batch. */
    long commits() {
        return commits.get();
    }

    private JobStoreException closedFailure(PendingWrite<?> w) {
        return new JobStoreException(where + " is closed: cannot " + w.what + " (nothing was written)");
    }

    /**
     * Commits every write queued so far, refuses new ones, and stops the thread. Waits up to 30 s for the
     * queued writes; the connection is left to its owner to close afterwards.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // after the writes already queued; the writer is draining them, so room comes unless the disk hangs
            if (!queue.offer(STOP, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{}: the writer did not make room to stop within {} s", where, CLOSE_WAIT.toSeconds());
                return;
            }
            thread.join(CLOSE_WAIT);
            if (thread.isAlive()) {
                log.warn("{}: the writer was still committing {} s after close", where, CLOSE_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
