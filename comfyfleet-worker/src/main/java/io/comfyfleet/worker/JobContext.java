package io.comfyfleet.worker;

import tools.jackson.databind.JsonNode;

/** What a running job may tell the gateway, and what the worker may ask of the job. */
public interface JobContext {
    /** Posts a progress update (shown by the gateway's /status while the job runs); never throws. */
    void progress(JsonNode progress);

    /** Posts one stream chunk; never throws. */
    void stream(JsonNode chunk);

    /**
     * Posts a progress update as a stream chunk too, for {@code /stream} readers: advisory like {@link #progress}
     * (a lost one is not worth a warning); never throws.
     */
    default void streamProgress(JsonNode progress) {
        stream(progress);
    }

    /** Why the job should end early, or null while it may run on. */
    StopReason stopRequested();

    /** Registers an action run (once) when a stop is requested: e.g. interrupt ComfyUI. */
    void onStop(Runnable action);

    /** Marks the moment ComfyUI accepted the job's prompt (see {@link JobTimings}); cheap, never throws. */
    default void markPromptSubmitted() {}

    /** Marks the moment ComfyUI finished the job's prompt (see {@link JobTimings}); cheap, never throws. */
    default void markComfyDone() {}

    /** Why a running job is asked to end. */
    enum StopReason {
        /** job-stop named it: the gateway cancelled it or timed it out; no job-done. */
        GATEWAY_STOP,
        /** the worker is shutting down and the grace period ran out: hand it back. */
        SHUTDOWN
    }
}
