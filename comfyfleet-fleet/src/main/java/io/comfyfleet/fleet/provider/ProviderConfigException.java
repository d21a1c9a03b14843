package io.comfyfleet.fleet.provider;

import io.comfyfleet.core.ComfyFleetException;

/** A provider's configuration is not usable; the message names the key and what to change. */
public final class ProviderConfigException extends ComfyFleetException {
    private final String key;

    public ProviderConfigException(String key, String problem) {
        super("worker provider setting '" + key + "' " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
