package io.comfyfleet.sdk;

import tools.jackson.databind.JsonNode;

/**
 * The job ended FAILED: the worker's {@code error} text is {@link #serverMessage()}; ComfyFleet workers add
 * machine-readable details (reason, node id, exception type, traceback) in {@link #details()}.
 */
public final class JobFailedException extends ComfyFleetException {
    private final transient JsonNode details;

    public JobFailedException(String jobId, String error, JsonNode details) {
        super("job " + jobId + " failed: " + error, jobId, 200, error, null);
        this.details = details;
    }

    /** The job's {@code output} sent with the failure, or null. */
    public JsonNode details() {
        return details;
    }
}
