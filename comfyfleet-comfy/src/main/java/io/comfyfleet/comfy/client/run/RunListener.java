package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.client.events.ComfyEvent;

/**
 * Follows one prompt run. Calls come one at a time from the run's own thread, in order. Each event is
 * delivered at most once; execution_start/execution_cached at most once and before progress; the terminal
 * event (execution_success / _error / _interrupted) exactly once and last, unless the run fails (lost prompt,
 * timeout) or was cancelled before it started ({@link RunStatus#CANCELLED}: no terminal event exists). After a
 * lost WebSocket some progress may be missing, never duplicated. Frames without a prompt id (binary previews,
 * progress text, custom nodes' messages) are passed on only while this prompt runs.
 */
@FunctionalInterface
public interface RunListener {

    /** An event of this prompt: start, cached, executing, progress, progress_state, executed, previews, terminal. */
    void onEvent(ComfyEvent event);

    /** The WebSocket dropped; the run reconnects and reconciles from /history and /queue. */
    default void onConnectionLost(String reason) {}

    /** A new WebSocket is open after a drop ({@code attempt} counts from 1). */
    default void onReconnected(int attempt) {}

    /** A listener that ignores everything. */
    static RunListener none() {
        return event -> { };
    }
}
