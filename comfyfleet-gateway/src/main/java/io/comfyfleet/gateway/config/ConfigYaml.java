package io.comfyfleet.gateway.config;

import io.comfyfleet.gateway.jobs.DuplicateKey;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads {@code comfyfleet.yaml} as a tree, for the gateway and the CLI alike. YAML parsers keep the last of a key
 * written twice, silently: a file with two {@code port:} lines under {@code server} would start on the second and
 * never say the first was ignored. This one refuses it, naming the key, its section and the line.
 */
public final class ConfigYaml {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** A list item's index in a JSON Pointer ({@code /endpoints/0}). */
    private static final Pattern LIST_INDEX = Pattern.compile("/(\\d+)(?=/|$)");

    private ConfigYaml() {}

    /**
     * The text as a tree; null for an empty document.
     *
     * @throws JacksonException when it is not YAML or writes a key twice in one mapping; {@link #why} says which
     */
    public static JsonNode read(String text) {
        return YAML.readTree(text);
    }

    /** Why {@link #read} refused the text, for a {@link ConfigException}: the key and line, or the parser's words. */
    public static String why(JacksonException e) {
        return DuplicateKey.of(e)
                .map(d -> "the key " + d.quotedKey() + " appears twice " + section(d)
                        + (d.line() > 0 ? " (line " + d.line() + ")" : "")
                        + "; a key may appear once in a mapping: keep the value you mean and remove the other")
                .orElseGet(() -> "not valid YAML: " + (e.getOriginalMessage() == null ? "" : e.getOriginalMessage().strip()));
    }

    /** The section as the configuration's other messages name keys ({@code endpoints[0]}), from its pointer. */
    private static String section(DuplicateKey d) {
        if (d.object().isEmpty()) {
            return "at the top level";
        }
        String indexed = LIST_INDEX.matcher(d.object()).replaceAll("[$1]");
        String dotted = (indexed.startsWith("/") ? indexed.substring(1) : indexed).replace('/', '.');
        return "in " + dotted.replace("~1", "/").replace("~0", "~");
    }
}
