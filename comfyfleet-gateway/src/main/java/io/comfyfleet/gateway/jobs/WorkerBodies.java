package io.comfyfleet.gateway.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Reads the JSON a worker posts (job-done, job-stream). RunPod's Python worker writes its bodies with
 * {@code json.dumps}, which writes a float that is NaN or infinite as {@code NaN}, {@code Infinity} or
 * {@code -Infinity}: not JSON, but the job's output all the same. Refusing the body would lose that output (the
 * worker does not post it again after a 4xx, PROTOCOL.md §2.3, and the job would run again after its lease), so
 * such numbers are read and kept as text ({@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}): the job keeps
 * its output, and every client reading it gets JSON.
 */
public final class WorkerBodies {
    private WorkerBodies() {}

    /**
     * The body as a JSON tree, its non-finite numbers as text.
     *
     * @throws InvalidRequestException when it is empty or not JSON (but for those numbers), saying where it broke
     */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new InvalidRequestException("the body is empty; send a JSON object");
        }
        JsonNode root;
        try {
            root = Json.workerMapper().readTree(body);
        } catch (JacksonException e) {
            throw new InvalidRequestException(JsonErrors.describe(e), e);
        }
        return nonFiniteAsText(root);
    }

    /** The tree with every NaN or infinite number replaced by its name as text; changed in place but for the root. */
    static JsonNode nonFiniteAsText(JsonNode node) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.asDouble())) {
            // Double.toString names them as json.dumps writes them: NaN, Infinity, -Infinity
            return StringNode.valueOf(Double.toString(node.asDouble()));
        }
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                names.add(field.getKey());
            }
            for (String name : names) {
                JsonNode value = object.get(name);
                JsonNode kept = nonFiniteAsText(value);
                if (kept != value) {
                    object.set(name, kept);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                JsonNode kept = nonFiniteAsText(value);
                if (kept != value) {
                    array.set(i, kept);
                }
            }
        }
        return node;
    }
}
