package io.comfyfleet.store;

import java.util.function.Consumer;

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

    /**
     * As {@link #write(String, Durability, SqlWork)}, calling {@code ordered} with the work's result once every
     * later write is sure to be applied after this one: here once committed; a database that runs its writes
     * in order on one connection may call it earlier, before the commit syncs (see
     * {@link io.comfyfleet.core.job.JobStore#enqueueAndClaim(io.comfyfleet.core.job.NewJob, String, int,
     * java.time.Instant, java.util.function.Consumer)}).
     */
    default <T> T write(String what, Durability durability, SqlWork<T> work, Consumer<? super T> ordered) {
        T result = write(what, durability, work);
        ordered.accept(result);
        return result;
    }

    /**
     * As {@link #write(String, Durability, SqlWork)}, for work that is a single statement (several statements
     * would not be one transaction here): a database whose transactions cost round trips to a server may run
     * it as its own transaction, committed by the server as the statement ends, in one round trip instead of
     * three (begin with the statement, the statement, commit).
     */
    default <T> T writeStatement(String what, Durability durability, SqlWork<T> work) {
        return write(what, durability, work);
    }

    /**
     * Whether concurrent writes already share transactions here (SQLite's single writer commits all that wait
     * for it together); where each write is its own transaction, a caller with many small writes of one kind may
     * group them itself.
     */
    default boolean groupsWrites() {
        return false;
    }

    /** Runs read-only work on a connection that sees every committed write. */
    <T> T read(String what, SqlWork<T> work);

    Dialect dialect();

    @Override
    void close();
}
