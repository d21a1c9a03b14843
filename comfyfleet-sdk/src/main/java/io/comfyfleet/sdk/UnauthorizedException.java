package io.comfyfleet.sdk;

/** HTTP 401/403: the API key is missing, wrong, or not a client key of this endpoint. */
public final class UnauthorizedException extends ComfyFleetException {
    public UnauthorizedException(String message, String jobId, int httpStatus, String serverMessage) {
        super(message, jobId, httpStatus, serverMessage, null);
    }
}
