package io.comfyfleet.gateway.jobs;

import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Refuses a number too large for a 64-bit float, such as {@code 1e400}. Jackson reads it as Infinity without a word,
 * and Infinity written back out is not JSON: the job would be stored, and every client reading its status or
 * result would fail to parse the answer.
 */
final class FiniteNumbers {
    /** Longer keys are cut in the message's path: it must say where, not echo the body. */
    private static final int MAX_KEY = 40;

    private FiniteNumbers() {}

    /**
     * @throws InvalidRequestException naming the first out-of-range number's path, as {@code input.steps} or
     *         {@code input.sizes[2]}
     */
    static void check(JsonNode node, String path) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.asDouble())) {
            throw new InvalidRequestException("\"" + path + "\" is a number out of range: beyond ±1.8e308, the"
                    + " largest a JSON number may be here (a 64-bit float); send a smaller number, or send it as text");
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = field.getKey();
                String shown = key.length() <= MAX_KEY ? key : key.substring(0, MAX_KEY) + "...";
                check(field.getValue(), path.isEmpty() ? shown : path + "." + shown);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), path + "[" + i + "]");
            }
        }
    }
}
