package io.comfyfleet.gateway.config;

import java.nio.charset.StandardCharsets;

/** A secret from the configuration; its {@code toString} never shows the value, so logging a config is safe. */
public final class Secret {
    private final byte[] value;

    public Secret(String value) {
        this.value = value.getBytes(StandardCharsets.UTF_8);
    }

    /** The secret's bytes (a copy). */
    public byte[] bytes() {
        return value.clone();
    }

    /** The secret as text, for the few places (a database password) that need it so. */
    public String reveal() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "***";
    }
}
