package io.comfyfleet.comfy.workflow;

import io.comfyfleet.common.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One input of a node type as /object_info describes it: {@code ["INT", {"min": 1, ...}]}, a combo
 * {@code [["a", "b"], {...}]}, a V3 combo {@code ["COMBO", {"options": [...]}]}, or a hidden {@code "PROMPT"}.
 */
public final class InputSpec {
    private static final String[] UPLOAD_KINDS = {"image", "audio", "video"};

    private final String name;
    private final InputCategory category;
    private final JsonNode type;
    private final ObjectNode options;
    private final JsonNode config;
    private final List<JsonNode> comboOptions;

    InputSpec(String name, InputCategory category, JsonNode spec) {
        this.name = name;
        this.category = category;
        JsonNode t;
        JsonNode rawOptions;
        if (spec.isArray() && !spec.isEmpty()) {
            t = spec.get(0);
            rawOptions = spec.size() > 1 ? spec.get(1) : Json.MAPPER.createObjectNode();
        } else {
            t = spec;
            rawOptions = Json.MAPPER.createObjectNode();
        }
        this.type = t.deepCopy();
        this.options = rawOptions.isObject() ? (ObjectNode) rawOptions.deepCopy() : Json.MAPPER.createObjectNode();
        ArrayNode c = Json.MAPPER.createArrayNode();
        c.add(type);
        c.add(rawOptions.deepCopy());
        this.config = c;
        this.comboOptions = combo(type, options);
    }

    private static List<JsonNode> combo(JsonNode type, ObjectNode options) {
        JsonNode list = type.isArray() ? type
                : "COMBO".equals(type.asString(null)) && options.path("options").isArray() ? options.get("options") : null;
        if (list == null) {
            return null;
        }
        List<JsonNode> out = new ArrayList<>(list.size());
        list.values().forEach(out::add);
        return Collections.unmodifiableList(out);
    }

    public String name() {
        return name;
    }

    public InputCategory category() {
        return category;
    }

    /** The type: usually a string ("INT", "IMAGE", "COMBO"), or for a classic combo the array of its options. */
    public JsonNode type() {
        return type.deepCopy();
    }

    /** The type's name: the string, or "COMBO" for a classic combo (whose type is its option list). */
    public String typeName() {
        return type.isArray() ? "COMBO" : type.asString(type.toString());
    }

    /** True for classic and V3 combos. */
    public boolean isCombo() {
        return type.isArray() || "COMBO".equals(typeName());
    }

    /** The combo's options (classic list, or V3 {@code options}); empty when this is no combo. */
    public Optional<List<JsonNode>> comboOptions() {
        return Optional.ofNullable(comboOptions);
    }

    /** The options object ({@code min}, {@code max}, {@code step}, {@code default}, {@code tooltip}, ...). */
    public ObjectNode options() {
        return options.deepCopy();
    }

    public Optional<JsonNode> min() {
        return option("min");
    }

    public Optional<JsonNode> max() {
        return option("max");
    }

    public Optional<JsonNode> step() {
        return option("step");
    }

    public Optional<JsonNode> defaultValue() {
        return option("default");
    }

    public Optional<JsonNode> option(String key) {
        JsonNode v = options.get(key);
        return v == null ? Optional.empty() : Optional.of(v.deepCopy());
    }

    /**
     * What kind of file this input names when it is an upload picker ({@code image_upload}, {@code audio_upload},
     * {@code video_upload}): "image", "audio" or "video". Those inputs are checked against the files ComfyUI can
     * read (LoadImage's VALIDATE_INPUTS), not against the combo list.
     */
    public Optional<String> uploadKind() {
        for (String kind : UPLOAD_KINDS) {
            if (options.path(kind + "_upload").asBoolean(false)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** ComfyUI's {@code input_config} for this input: {@code [type, options]}, options {} when the spec had none. */
    public JsonNode config() {
        return config.deepCopy();
    }

    JsonNode rawType() {
        return type;
    }

    ObjectNode rawOptions() {
        return options;
    }

    JsonNode rawConfig() {
        return config;
    }

    List<JsonNode> rawComboOptions() {
        return comboOptions;
    }

    @Override
    public String toString() {
        return name + ":" + config;
    }
}
