package io.comfyfleet.sdk;

/**
 * Told about each progress update of a job while {@link JobHandle#await} waits for it. Called on the thread
 * that awaits; an exception thrown here ends the wait with that exception.
 */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(Progress progress);
}
