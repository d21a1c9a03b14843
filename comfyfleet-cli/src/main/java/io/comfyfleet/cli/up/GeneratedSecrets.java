package io.comfyfleet.cli.up;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The environment as {@code comfyfleet up} sees it: a {@code ${COMFYFLEET_..._KEY}} or {@code _SECRET} variable
 * that is not set gets a fresh random value, so a first run needs no setup; the generated values are printed once
 * (keys) so the user can call the API. Other variables come from the real environment.
 */
final class GeneratedSecrets implements UnaryOperator<String> {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final UnaryOperator<String> env;
    private final Map<String, String> generated = new LinkedHashMap<>();

    GeneratedSecrets(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public synchronized String apply(String name) {
        String value = env.apply(name);
        if (value != null || !name.startsWith("COMFYFLEET_") || !(name.endsWith("_KEY") || name.endsWith("_SECRET"))) {
            return value;
        }
        return generated.computeIfAbsent(name, n -> prefix(n) + random());
    }

    /** The variables given a generated value so far, by name. */
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
