package io.comfyfleet.sdk;

import java.util.Base64;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * One progress update of a running job, as a ComfyFleet worker reports it in its IN_PROGRESS output:
 * {@code {prompt_id, percent, nodes_done, nodes_total, node_id?, node_type?, step?, max_steps?, cached_nodes,
 * preview?}} where {@code preview} is a small JPEG data URI (only when the job asked for previews).
 * A worker of another kind may report anything; then the numbers are -1 and {@link #raw()} holds what it sent.
 *
 * @param percent    0..100 across the whole workflow, or -1 when not reported
 * @param nodeId     the node running now, or null
 * @param nodeType   its class_type, or null
 * @param step       the sampler step of that node, or -1
 * @param maxSteps   its step count, or -1
 * @param nodesDone  nodes finished (cached ones included), or -1
 * @param nodesTotal nodes in the workflow, or -1
 * @param raw        the output object exactly as the worker sent it
 */
public record Progress(double percent, String nodeId, String nodeType, int step, int maxSteps, int nodesDone,
                       int nodesTotal, JsonNode raw) {

    static Progress parse(JsonNode output) {
        return new Progress(
                output.path("percent").isNumber() ? output.get("percent").asDouble() : -1,
                text(output, "node_id"), text(output, "node_type"),
                number(output, "step"), number(output, "max_steps"),
                number(output, "nodes_done"), number(output, "nodes_total"), output);
    }

    /** The latest preview frame's bytes (JPEG from ComfyFleet workers), when this update carries one. */
    public Optional<byte[]> preview() {
        String uri = text(raw, "preview");
        if (uri == null) {
            return Optional.empty();
        }
        int comma = uri.indexOf(',');
        String data = uri.startsWith("data:") && comma > 0 ? uri.substring(comma + 1) : uri;
        try {
            return Optional.of(Base64.getMimeDecoder().decode(data));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a damaged preview must never break the caller's progress display
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : null;
    }

    private static int number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.canConvertToInt() ? v.asInt() : -1;
    }
}
