package io.comfyfleet.fleet.scale;

import io.comfyfleet.core.ComfyFleetException;

/** An endpoint's scaling settings are not usable; the message names the endpoint, the key and what to change. */
public final class InvalidScalingException extends ComfyFleetException {
    private final String endpoint;
    private final String key;

    InvalidScalingException(String endpoint, String key, String problem) {
        super("endpoint '" + endpoint + "': scaling setting '" + key + "' " + problem);
        this.endpoint = endpoint;
        this.key = key;
    }

    public String endpoint() {
        return endpoint;
    }

    public String key() {
        return key;
    }
}
