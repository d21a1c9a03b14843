package io.comfyfleet.sdk;

/** The job was cancelled (by {@link JobHandle#cancel()} or anyone else holding a key) before it finished. */
public final class JobCancelledException extends ComfyFleetException {
    public JobCancelledException(String jobId) {
        super("job " + jobId + " was cancelled", jobId, 200, null, null);
    }
}
