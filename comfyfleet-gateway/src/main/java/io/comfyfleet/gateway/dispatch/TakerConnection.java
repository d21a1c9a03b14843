package io.comfyfleet.gateway.dispatch;

/**
 * The connection a job-take is answered on, watched while the job-take waits. A worker's HTTP client gives up on
 * the long-poll after its own timeout (or a proxy cuts it sooner, or the worker dies): from then on a job handed to
 * that job-take reaches nobody, waits out a whole lease and costs the job a retry. The HTTP layer implements this
 * for its transport.
 */
@FunctionalInterface
public interface TakerConnection {
    /** A connection nobody watches: its client is taken to be there until answered. */
    TakerConnection UNWATCHED = hungUp -> () -> { };

    /**
     * Starts watching: {@code hungUp} runs at most once, on another thread, if the client closes the connection
     * before the returned watch is closed. Called when a job-take is about to park; must not block.
     */
    Watch watch(Runnable hungUp);

    /** Stops watching; closed before the job-take writes its answer. */
    interface Watch extends AutoCloseable {
        @Override
        void close();
    }
}
