package io.comfyfleet.cli.up;

import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.gateway.config.ConfigYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code comfyfleet.yaml} parsed once: the gateway's sections and {@code up}'s {@code workers} section. The gateway
 * is handed its sections only ({@link #gatewaySections()}), so it never learns the CLI's keys, and
 * {@code comfyfleet gateway} and {@code comfyfleet up} can share one file.
 *
 * @param source  names the configuration in error messages (the file, or "built-in defaults")
 * @param baseDir folder against which relative paths are resolved (the file's folder)
 * @param root    the parsed YAML as written, variables not yet expanded
 */
public record ConfigFile(String source, Path baseDir, JsonNode root) {
    /** The section {@code up} reads and the gateway does not. */
    static final String WORKERS = "workers";

    /**
     * Reads and parses a configuration file.
     *
     * @throws ConfigException when the file cannot be read or is not YAML
     */
    public static ConfigFile read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read the file: " + e.getMessage(), e);
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    /** @throws ConfigException when the text is not YAML */
    static ConfigFile parse(String text, String source, Path baseDir) {
        try {
            return new ConfigFile(source, baseDir, ConfigYaml.read(text));
        } catch (JacksonException e) {
            throw new ConfigException(source, ConfigYaml.why(e), e);
        }
    }

    /** Everything but {@code workers}; the tree as it is when it is not a mapping (the gateway reports that). */
    public JsonNode gatewaySections() {
        if (root instanceof ObjectNode mapping && mapping.has(WORKERS)) {
            ObjectNode copy = mapping.deepCopy();
            copy.remove(WORKERS);
            return copy;
        }
        return root;
    }

    /** The {@code workers} section; null when the file has none. */
    JsonNode workers() {
        return root == null ? null : root.get(WORKERS);
    }
}
