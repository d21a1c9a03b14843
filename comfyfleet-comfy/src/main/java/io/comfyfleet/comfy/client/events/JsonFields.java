package io.comfyfleet.comfy.client.events;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Lenient reads of optional fields: ComfyUI omits or nulls fields depending on version and path. */
final class JsonFields {
    private JsonFields() {}

    /** The field as a string (numbers are rendered, ids sometimes arrive as numbers), or null if absent/null. */
    static String string(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull() || value.isMissingNode() || value.isContainer()) {
            return null;
        }
        return value.asString();
    }

    static long longOr(JsonNode node, String field, long fallback) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isNumber() ? value.asLong() : fallback;
    }

    static Long longOrNull(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isNumber() ? value.asLong() : null;
    }

    static int intOr(JsonNode node, String field, int fallback) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isNumber() ? value.asInt() : fallback;
    }

    static double doubleOr(JsonNode node, String field, double fallback) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isNumber() ? value.asDouble() : fallback;
    }

    /** The field as a list of strings; absent or null gives an empty list, non-string items are rendered. */
    static List<String> strings(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        List<String> out = new ArrayList<>();
        if (value != null && value.isArray()) {
            for (JsonNode item : value) {
                out.add(item.isString() ? item.asString() : item.toString());
            }
        }
        return out;
    }

    /** The field itself, or null when absent or JSON null. */
    static JsonNode nodeOrNull(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || value.isMissingNode() ? null : value;
    }
}
