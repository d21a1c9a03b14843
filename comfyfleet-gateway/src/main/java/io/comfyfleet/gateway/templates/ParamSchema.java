package io.comfyfleet.gateway.templates;

import io.comfyfleet.gateway.jobs.Json;
import java.math.BigDecimal;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What one template parameter accepts, from the node catalogue when the endpoint has one (type, range, step, combo
 * options) and otherwise from the type of the workflow's own value.
 *
 * @param min          null: unbounded
 * @param max          null: unbounded
 * @param step         the catalogue's step, shown to clients (ComfyUI itself does not enforce it); null: none
 * @param options      a combo's options (checkpoints, samplers ...); empty unless {@link Kind#ENUM}
 * @param defaultValue the workflow's value, used when the client leaves the parameter out
 * @param fromCatalogue false when the schema was guessed from the workflow's value (no catalogue yet, or the
 *                     catalogue lacks the node type)
 */
record ParamSchema(String name, Kind kind, String node, String classType, String input, BigDecimal min,
        BigDecimal max, BigDecimal step, List<JsonNode> options, JsonNode defaultValue, boolean required,
        String description, boolean fromCatalogue) {

    /** A longer text is refused: prompts are far shorter, and the job store keeps every job's input. */
    static final int MAX_TEXT = 65_536;

    enum Kind {
        INTEGER, NUMBER, STRING, BOOLEAN, ENUM,
        /** An upload picker (LoadImage's image): the name of a file the job carries in {@code input.images}. */
        IMAGE
    }

    /** This parameter as JSON Schema (2020-12), with where it goes under {@code x-comfyfleet}. */
    ObjectNode toJsonSchema() {
        ObjectNode s = Json.mapper().createObjectNode();
        switch (kind) {
            case INTEGER -> s.put("type", "integer");
            case NUMBER -> s.put("type", "number");
            case STRING -> s.put("type", "string").put("maxLength", MAX_TEXT);
            case BOOLEAN -> s.put("type", "boolean");
            case IMAGE -> s.put("type", "string").put("minLength", 1);
            case ENUM -> {
                ArrayNode values = s.putArray("enum");
                options.forEach(values::add);
            }
        }
        if (min != null) {
            s.put("minimum", min);
        }
        if (max != null) {
            s.put("maximum", max);
        }
        if (defaultValue != null) {
            s.set("default", defaultValue);
        }
        s.put("description", describe());
        ObjectNode x = s.putObject("x-comfyfleet").put("node", node).put("classType", classType).put("input", input)
                .put("fromCatalogue", fromCatalogue);
        if (step != null) {
            x.put("step", step);
        }
        return s;
    }

    private String describe() {
        String where = "node " + node + " (" + classType + ") input " + input;
        String what = description != null ? description + " (" + where + ")" : where;
        return kind == Kind.IMAGE ? what + "; the name of a file sent in input.images" : what;
    }

    /** What a client may send, in words, for refusals. */
    String allowed() {
        return switch (kind) {
            case INTEGER -> "a whole number" + range();
            case NUMBER -> "a number" + range();
            case STRING -> "text of at most " + MAX_TEXT + " characters";
            case BOOLEAN -> "true or false";
            case ENUM -> "one of " + Texts.list(options);
            case IMAGE -> "the name of a file sent in input.images";
        };
    }

    private String range() {
        if (min != null && max != null) {
            return " from " + min.toPlainString() + " to " + max.toPlainString();
        }
        if (min != null) {
            return " of at least " + min.toPlainString();
        }
        return max != null ? " of at most " + max.toPlainString() : "";
    }
}
