package io.comfyfleet.image.recipe;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a recipe's YAML, refusing a key written twice: YAML parsers keep the last one silently, so a recipe with two
 * {@code commit:} lines under {@code comfyui} would build the second while its author read the first.
 */
final class RecipeYaml {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private RecipeYaml() {}

    /** @throws JacksonException when the text is not YAML or writes a key twice; {@link #problem} words it */
    static JsonNode read(String text) {
        return YAML.readTree(text);
    }

    /** The problem as the recipe's others read ({@code comfyui: the key "commit" appears twice (line 4); ...}). */
    static String problem(JacksonException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (!message.startsWith("Duplicate Object property") || !(e.processor() instanceof JsonParser parser)) {
            return "not valid YAML: " + message;
        }
        // the parser stands on the second occurrence: its context is the mapping, named in its parent
        TokenStreamContext parent = parser.streamReadContext().getParent();
        String pointer = parent == null ? "" : parent.pathAsPointer().toString();
        String section = pointer.replaceAll("/(\\d+)(?=/|$)", "[$1]").replaceFirst("^/", "").replace('/', '.');
        int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
        return (section.isEmpty() ? "(top)" : section) + ": the key \"" + parser.streamReadContext().currentName()
                + "\" appears twice" + (line > 0 ? " (line " + line + ")" : "")
                + "; a key may appear once in a mapping: keep the value you mean and remove the other";
    }
}
