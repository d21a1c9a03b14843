package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.ComfyFleetException;

/** No endpoint of this name is configured (HTTP 404). */
public final class EndpointNotFoundException extends ComfyFleetException {
    /** Configured names are at most this long; a longer one from a request is cut in the message, not echoed whole. */
    private static final int SHOWN = 64;
    private final String endpoint;

    public EndpointNotFoundException(String endpoint) {
        super("no endpoint named " + (endpoint.length() <= SHOWN ? endpoint : endpoint.substring(0, SHOWN) + "...")
                + " is configured");
        this.endpoint = endpoint;
    }

    public String endpoint() {
        return endpoint;
    }
}
