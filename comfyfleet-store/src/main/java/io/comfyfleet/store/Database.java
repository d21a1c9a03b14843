package io.comfyfleet.store;

/**
 * How the store gets connections and transactions. SQLite and PostgreSQL need different answers (one
 * writer connection behind a lock, or a pool), so this is separate from the SQL, which is shared.
 */
interface Database extends AutoCloseable {

    /**
     * Runs the work in one transaction and commits it; when this returns the change is as durable as asked
     * (a database may do more: PostgreSQL syncs every commit). A
     * {@link java.sql.SQLException} becomes a {@link io.comfyfleet.core.job.JobStoreException} that names
     * {@code what}; runtime exceptions (the store's typed conflicts) roll back and pass through unchanged.
     */
    <T> T write(String what, Durability durability, SqlWork<T> work);

    /** Runs read-only work on a connection that sees every committed write. */
    <T> T read(String what, SqlWork<T> work);

    Dialect dialect();

    @Override
    void close();
}
