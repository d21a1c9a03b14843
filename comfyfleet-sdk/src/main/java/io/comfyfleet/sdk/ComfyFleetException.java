package io.comfyfleet.sdk;

/**
 * The root of every error the SDK throws. Unchecked: callers catch the subclass they can act on.
 * Carries the job id (when the call was about one job), the HTTP status (0 when no answer came) and the
 * server's own message, so a log line says what failed without more digging.
 */
public class ComfyFleetException extends RuntimeException {
    private final String jobId;
    private final int httpStatus;
    private final String serverMessage;

    public ComfyFleetException(String message, String jobId, int httpStatus, String serverMessage, Throwable cause) {
        super(message, cause);
        this.jobId = jobId;
        this.httpStatus = httpStatus;
        this.serverMessage = serverMessage;
    }

    /** The job the failed call was about, or null. */
    public String jobId() {
        return jobId;
    }

    /** The HTTP status of the answer, or 0 when the server gave none (connection refused, timeout). */
    public int httpStatus() {
        return httpStatus;
    }

    /** The server's {@code error} text (or raw body), or null. */
    public String serverMessage() {
        return serverMessage;
    }
}
