package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.ComfyFleetException;

/** The caller sent something the gateway cannot accept; the message says what to change (HTTP 400). */
public final class InvalidRequestException extends ComfyFleetException {
    public InvalidRequestException(String message) {
        super(message);
    }

    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
