package io.comfyfleet.core.job;

/**
 * A new job's id is already in the store. Random ids never meet one; an id made from a client's idempotency key
 * ({@link JobIds#forKey}) meets one when the client repeats its request, and then the job already stored is the
 * answer.
 */
public final class JobIdTakenException extends JobStoreException {
    private final String jobId;

    public JobIdTakenException(String jobId, Throwable cause) {
        super("job id " + jobId + " is already taken: every job needs a new id (use JobIds to make them)", cause);
        this.jobId = jobId;
    }

    public String jobId() {
        return jobId;
    }
}
