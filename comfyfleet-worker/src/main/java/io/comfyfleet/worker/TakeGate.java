package io.comfyfleet.worker;

/**
 * The hand-over between the job loop's long-poll for a job and a shutdown that wants to abandon it.
 *
 * <p>A shutdown may abandon the poll only while it waits: once the poll has answered with a job, that job is this
 * worker's (the gateway leased it) and runs within the grace like any other. Deciding "is a job running?" from
 * outside the loop leaves a window (answered, not yet started) in which the abandon interrupts the job's own thread
 * and ends it half-way; here the loop's {@link #leave()} and the shutdown's {@link #close(Runnable)} take one lock,
 * so the abandon happens either during the poll or not at all, and an interrupt that reached the poll just as it
 * answered is cleared before the job runs.
 */
final class TakeGate {
    private boolean closed;
    private boolean polling;
    private boolean abandoned;

    /** Before a poll: true to go on, false once the gate is closed (no more jobs are taken). */
    synchronized boolean enter() {
        if (closed) {
            return false;
        }
        polling = true;
        return true;
    }

    /**
     * After a poll, answered or not, on the polling thread: clears the interrupt the abandon sent, which was meant
     * for the poll and must not reach a job the poll answered with.
     */
    synchronized void leave() {
        polling = false;
        if (abandoned) {
            abandoned = false;
            Thread.interrupted();
        }
    }

    /** Closes the gate; runs {@code abandon} (which interrupts the poll) only while a poll is waiting. */
    synchronized void close(Runnable abandon) {
        closed = true;
        if (polling && !abandoned) {
            abandoned = true;
            abandon.run();
        }
    }
}
