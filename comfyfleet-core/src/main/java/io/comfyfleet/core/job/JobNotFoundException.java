package io.comfyfleet.core.job;

import io.comfyfleet.core.ComfyFleetException;

/** No job with this id exists (never did, or its TTL or retention ran out and it was deleted). */
public final class JobNotFoundException extends ComfyFleetException {
    private final String jobId;

    public JobNotFoundException(String jobId) {
        super("job " + jobId + " does not exist (unknown id, or deleted after its TTL or retention)");
        this.jobId = jobId;
    }

    /** For a job that is gone for a reason the caller knows better than "unknown id". */
    public JobNotFoundException(String jobId, String message) {
        super(message);
        this.jobId = jobId;
    }

    public String jobId() {
        return jobId;
    }
}
