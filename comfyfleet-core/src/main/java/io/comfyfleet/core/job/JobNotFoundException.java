package io.comfyfleet.core.job;

import io.comfyfleet.core.ComfyFleetException;

/** No job with this id exists (never did, or it was deleted: its TTL or retention ran out, or the queue was purged). */
public final class JobNotFoundException extends ComfyFleetException {
    private final String jobId;

    public JobNotFoundException(String jobId) {
        super("job " + jobId + " does not exist (unknown id, or deleted after its TTL or retention)");
        this.jobId = jobId;
    }

    /** @param why how the job came to be gone, when that is known (e.g. removed by a purge of the queue) */
    public JobNotFoundException(String jobId, String why) {
        super("job " + jobId + " does not exist: " + why);
        this.jobId = jobId;
    }

    public String jobId() {
        return jobId;
    }
}
