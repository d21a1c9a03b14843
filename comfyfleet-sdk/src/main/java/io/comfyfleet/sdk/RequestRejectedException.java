package io.comfyfleet.sdk;

/**
 * HTTP 400, 409 or 413: the server refused the request as sent; {@link #serverMessage()} says what to change
 * (a missing workflow, a policy out of range, a body too large, a job that cannot be cancelled any more).
 */
public final class RequestRejectedException extends ComfyFleetException {
    public RequestRejectedException(String message, String jobId, int httpStatus, String serverMessage) {
        super(message, jobId, httpStatus, serverMessage, null);
    }
}
