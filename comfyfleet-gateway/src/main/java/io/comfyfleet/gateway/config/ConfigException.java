package io.comfyfleet.gateway.config;

import io.comfyfleet.core.ComfyFleetException;
import java.util.List;

/** The configuration file cannot be used; {@link #problems()} names every bad key and what to change. */
public final class ConfigException extends ComfyFleetException {
    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super("invalid configuration " + source + ":\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String source, String problem, Throwable cause) {
        super("invalid configuration " + source + ": " + problem, cause);
        this.problems = List.of(problem);
    }

    /** One line per problem, each starting with the key path, e.g. {@code endpoints[1].scaler.type: ...}. */
    public List<String> problems() {
        return problems;
    }
}
