package io.comfyfleet.worker.output;

import io.comfyfleet.worker.WorkerException;

/** An output file could not be delivered; carries the job id and file name. */
public final class OutputDeliveryException extends WorkerException {
    private final String jobId;
    private final String fileName;

    public OutputDeliveryException(OutputTarget target, String problem, Throwable cause) {
        super("Output " + target.fileName() + " of job " + target.jobId() + ": " + problem, cause);
        this.jobId = target.jobId();
        this.fileName = target.fileName();
    }

    public String jobId() {
        return jobId;
    }

    public String fileName() {
        return fileName;
    }
}
