package io.comfyfleet.comfy.client.run;

/** The event socket one run follows: its own ({@link DedicatedSocket}) or its share of the runner's ({@link SharedSocket}). */
interface RunSocket extends AutoCloseable {

    /**
     * Called by the run after its socket was reported lost: returns once a socket is open again.
     *
     * @throws io.comfyfleet.comfy.client.ComfyUnavailableException if ComfyUI cannot be reached (the run retries)
     */
    void reconnect();

    /** The run has ended: no more events for it. */
    @Override
    void close();
}
