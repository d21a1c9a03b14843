package io.comfyfleet.fleet;

import io.comfyfleet.core.ComfyFleetException;

/** A fleet configuration (provider, autoscaler) is not usable; the message names the key and what to change. */
public final class FleetConfigException extends ComfyFleetException {
    private final String key;

    public FleetConfigException(String key, String problem) {
        super("fleet setting '" + key + "' " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
