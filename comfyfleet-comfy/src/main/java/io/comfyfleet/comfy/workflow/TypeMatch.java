package io.comfyfleet.comfy.workflow;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/** ComfyUI's link rules: {@code validate_node_input} and {@code is_link}. */
final class TypeMatch {
    private TypeMatch() {}

    /**
     * Whether an output of {@code received} type may feed an input of {@code input} type: equal, or comma-separated
     * unions that overlap. {@code "*"} matches anything: custom nodes declare "any" as a str subclass that never
     * compares unequal, and /object_info shows it as {@code "*"}.
     */
    static boolean matches(JsonNode received, JsonNode input) {
        if (Py.eq(received, input)) {
            return true;
        }
        if (!received.isString() || !input.isString()) {
            return false;
        }
        if (received.stringValue().equals("*") || input.stringValue().equals("*")) {
            return true;
        }
        Set<String> r = split(received.stringValue());
        return split(input.stringValue()).stream().anyMatch(r::contains);
    }

    private static Set<String> split(String types) {
        return Arrays.stream(types.split(",", -1)).map(String::strip).collect(Collectors.toSet());
    }

    /** {@code is_link}: a 2-list of a str node id and an int slot (a bool is an int in Python). */
    static boolean isLink(JsonNode v) {
        return v.isArray() && v.size() == 2 && v.get(0).isString()
                && (v.get(1).isIntegralNumber() || v.get(1).isBoolean());
    }
}
