package io.comfyfleet.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One caller's write waiting for a group commit. The writer thread runs it, records its failure if any, and
 * settles it once the batch it was in has committed or rolled back; the caller reads the outcome after
 * {@link #awaitSettled}, whose latch makes the writer's fields visible to it.
 */
final class PendingWrite<T> {
    final String what;
    final Durability durability;
    private final SqlWork<T> work;
    /** Told the result once the statements ran, before the commit; null when nobody asked. */
    private final Consumer<? super T> ordered;
    private final CountDownLatch settled = new CountDownLatch(1);
    private T result;
    private Throwable failure;

    PendingWrite(String what, Durability durability, SqlWork<T> work, Consumer<? super T> ordered) {
        this.what = what;
        this.durability = durability;
        this.work = work;
        this.ordered = ordered;
    }

    void run(Connection c) throws SQLException {
        result = work.run(c);
    }

    /** Tells the caller's listener the result of statements that ran (before the batch's commit). */
    void ran() {
        if (ordered != null && failure == null) {
            ordered.accept(result);
        }
    }

    /** Records why this write failed; the first reason stays (a write's own failure beats its batch's). */
    void fail(Throwable e) {
        if (failure == null) {
            failure = e;
        }
    }

    boolean failed() {
        return failure != null;
    }

    /** The outcome is final: a write without a recorded failure was committed. Wakes the caller. */
    void settle() {
        settled.countDown();
    }

    boolean isSettled() {
        return settled.getCount() == 0;
    }

    /** Waits up to the timeout for {@link #settle()}; answers whether it came. */
    boolean awaitSettled(long timeout, TimeUnit unit) throws InterruptedException {
        return settled.await(timeout, unit);
    }

    /** The work's result, or its failure rethrown on the caller's thread. Only after settling. */
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
