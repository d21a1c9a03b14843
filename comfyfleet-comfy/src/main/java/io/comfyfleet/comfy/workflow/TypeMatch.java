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
     * unions that overlap. {@code "*"} matches anything, combos included: ComfyUI declares it as {@code IO.ANY},
     * a str subclass whose {@code __ne__} ignores the wildcard (custom nodes copy the trick), and /object_info
     * shows it as {@code "*"}.
     */
    static boolean matches(JsonNode received, JsonNode input) {
        if (Py.eq(received, input) || isWildcard(received) || isWildcard(input)) {
            return true;
        }
        if (!received.isString() || !input.isString()) {
            return false;
        }
        Set<String> r = split(received.stringValue());
        return split(input.stringValue()).stream().anyMatch(r::contains);
    }

    private static boolean isWildcard(JsonNode type) {
        return type.isString() && type.stringValue().equals("*");
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
