package io.comfyfleet.core.job;

/**
 * What a store shared by several gateways tells each of them about work queued elsewhere, so a job-take
 * parked at one gateway is woken by a job enqueued through another. Called from the store's own thread;
 * implementations must only signal, never block.
 */
public interface QueueWakeups {

    /** A job of {@code endpoint} became IN_QUEUE through another gateway (new, retried or requeued). */
    void queued(String endpoint);

    /**
     * Wake-ups may have been missed (the store lost its connection for a while, or a periodic check came
     * due): every waiter should look at the queue again. A lost notification thus delays a job, never loses it.
     */
    void recheckAll();
}
