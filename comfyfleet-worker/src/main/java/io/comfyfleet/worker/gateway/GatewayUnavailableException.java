package io.comfyfleet.worker.gateway;

import io.comfyfleet.worker.WorkerException;

/** The gateway could not be reached, or answered with a status worth retrying (5xx, 429). */
public final class GatewayUnavailableException extends WorkerException {
    private final int status;

    public GatewayUnavailableException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status, or 0 when no answer came at all. */
    public int status() {
        return status;
    }
}
