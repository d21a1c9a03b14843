package io.comfyfleet.sdk;

/** HTTP 404: the endpoint or job does not exist (or the job expired and was deleted). */
public final class NotFoundException extends ComfyFleetException {
    public NotFoundException(String message, String jobId, String serverMessage) {
        super(message, jobId, 404, serverMessage, null);
    }
}
