package io.comfyfleet.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One caller's write waiting for a group commit. Only the thread holding the writer lock runs and settles
 * it; the caller reads the outcome after taking the same lock, which makes the fields visible to it.
 */
final class PendingWrite<T> {
    final String what;
    final Durability durability;
    private final SqlWork<T> work;
    private T result;
    private Throwable failure;
    private boolean done;

    PendingWrite(String what, Durability durability, SqlWork<T> work) {
        this.what = what;
        this.durability = durability;
        this.work = work;
    }

    void run(Connection c) throws SQLException {
        result = work.run(c);
    }

    void fail(Throwable e) {
        failure = e;
        done = true;
    }

    boolean failed() {
        return failure != null;
    }

    /** The batch committed: a write that did not fail has succeeded. */
    void commit() {
        done = true;
    }

    boolean isDone() {
        return done;
    }

    /** The work's result, or its failure rethrown on the caller's thread. */
    T outcome() {
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return result;
    }
}
