package io.comfyfleet.core.job;

/**
 * What a store shared by several gateways tells each of them about work queued and jobs changed elsewhere, so a
 * job-take parked at one gateway is woken by a job enqueued through another, and a call waiting on a job by its end
 * through another. Called from the store's own thread;
 * implementations must only signal, never block.
 */
public interface QueueWakeups {

    /** A job of {@code endpoint} became IN_QUEUE through another gateway (new, retried or requeued). */
    void queued(String endpoint);

    /**
     * The job changed through another gateway (ended, cancelled, progressed, streamed, taken, requeued, or deleted
     * by purge-queue): calls waiting on it here ({@code /runsync}, {@code /status-sync}, {@code /stream}, the
     * events route) read it again. Only a PostgreSQL store tells this; by default nothing is done.
     */
    default void changedElsewhere(String jobId) {}

    /**
     * Notices of jobs changed elsewhere may have been missed (the store lost its connection to the database for a
     * while): every call waiting on a job should read it again. By default nothing is done.
     */
    default void changesMissed() {}

    /**
     * Wake-ups may have been missed (the store lost its connection for a while, or a periodic check came
     * due): every waiter should look at the queue again. A lost notification thus delays a job, never loses it.
     */
    void recheckAll();
}
