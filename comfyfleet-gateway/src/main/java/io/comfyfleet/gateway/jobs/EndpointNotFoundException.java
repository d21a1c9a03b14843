package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.ComfyFleetException;

/** No endpoint of this name is configured (HTTP 404). */
public final class EndpointNotFoundException extends ComfyFleetException {
    private final String endpoint;

    public EndpointNotFoundException(String endpoint) {
        super("no endpoint named " + endpoint + " is configured");
        this.endpoint = endpoint;
    }

    public String endpoint() {
        return endpoint;
    }
}
