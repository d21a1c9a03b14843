package io.comfyfleet.fleet.provider;

import io.comfyfleet.core.ComfyFleetException;

/** A provider could not start a worker; carries the worker and endpoint ids. */
public class ProviderException extends ComfyFleetException {
    private final String endpoint;
    private final String workerId;

    public ProviderException(String endpoint, String workerId, String message, Throwable cause) {
        super(message, cause);
        this.endpoint = endpoint;
        this.workerId = workerId;
    }

    public String endpoint() {
        return endpoint;
    }

    public String workerId() {
        return workerId;
    }
}
