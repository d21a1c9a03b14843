package io.comfyfleet.cli.up;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The environment as {@code comfyfleet up} sees it: a {@code ${COMFYFLEET_..._KEY}} or {@code _SECRET} variable
 * that is not set takes the value kept in the data folder's {@link KeyFile}, or else a fresh random value, so a first
 * run needs no setup and a restart keeps the keys. Other variables come from the real environment.
 */
final class GeneratedSecrets implements UnaryOperator<String> {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final UnaryOperator<String> env;
    private final Map<String, String> stored;
    private final Map<String, String> generated = new LinkedHashMap<>();

    /** @param stored values kept from an earlier run, by variable name */
    GeneratedSecrets(UnaryOperator<String> env, Map<String, String> stored) {
        this.env = env;
        this.stored = Map.copyOf(stored);
    }

    @Override
    public synchronized String apply(String name) {
        String value = env.apply(name);
        if (value != null || !name.startsWith("COMFYFLEET_") || !(name.endsWith("_KEY") || name.endsWith("_SECRET"))) {
            return value;
        }
        return generated.computeIfAbsent(name, n -> stored.getOrDefault(n, prefix(n) + random()));
    }

    /** The variables not set in the environment so far, by name, with their kept or newly generated value. */
    synchronized Map<String, String> generated() {
        return Map.copyOf(generated);
    }

    private static String prefix(String name) {
        return name.contains("CLIENT") ? "cf-client-" : name.contains("WORKER") ? "cf-worker-"
                : name.contains("ADMIN") ? "cf-admin-" : "cf-";
    }

    private static String random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
