package io.comfyfleet.store;

import com.zaxxer.hikari.HikariDataSource;
import io.comfyfleet.core.job.JobStoreException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A database server reached through a HikariCP pool (PostgreSQL). Each write is one transaction on a pooled
 * connection; a transaction the server aborted as a deadlock or serialization failure is run again.
 */
final class PooledDatabase implements Database {
    private static final int ATTEMPTS = 3;

    private final HikariDataSource pool;
    private final Dialect dialect;

    PooledDatabase(HikariDataSource pool, Dialect dialect) {
        this.pool = pool;
        this.dialect = dialect;
    }

    @Override
    public <T> T write(String what, Durability durability, SqlWork<T> work) {
        // Every commit is synced: synchronous_commit=off would also lose commits when only PostgreSQL's
        // process crashes, which is more than Durability.COMMITTED allows.
        return attempts(what, c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                c.rollback();
                throw e;
            }
        });
    }

    @Override
    public <T> T writeStatement(String what, Durability durability, SqlWork<T> work) {
        // the pool hands out connections in auto-commit (its default, restored on return): the server commits
        // the statement, synced, before it answers
        return attempts(what, work);
    }

    private <T> T attempts(String what, SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool.getConnection()) {
                return work.run(c);
            } catch (SQLException e) {
                if (attempt < ATTEMPTS && dialect.isTransient(e)) {
                    continue;
                }
                throw failure(what, e, attempt);
            }
        }
    }

    @Override
    public <T> T read(String what, SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(what, e, 1);
        }
    }

    private JobStoreException failure(String what, SQLException e, int attempts) {
        return new JobStoreException(dialect.name() + " job store (" + pool.getJdbcUrl() + ") failed to " + what
                + (attempts > 1 ? " after " + attempts + " attempts" : "") + ": " + e.getMessage()
                + " [sqlState=" + e.getSQLState() + ", pool " + poolState() + "]", e);
    }

    private String poolState() {
        var mx = pool.getHikariPoolMXBean();
        return mx == null ? "not started"
                : "total=" + mx.getTotalConnections() + ", active=" + mx.getActiveConnections()
                        + ", idle=" + mx.getIdleConnections() + ", waiting=" + mx.getThreadsAwaitingConnection();
    }

    @Override
    public Dialect dialect() {
        return dialect;
    }

    @Override
    public void close() {
        pool.close();
    }
}
