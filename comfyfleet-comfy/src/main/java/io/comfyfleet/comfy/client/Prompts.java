package io.comfyfleet.comfy.client;

import io.comfyfleet.common.json.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Turns caller input into the API-format prompt object this client submits, with errors that say what to fix. */
public final class Prompts {
    private Prompts() {}

    /**
     * Parses {@code json} as an API-format prompt.
     *
     * @throws PromptFormatException if it is null, blank, not JSON, or not a JSON object
     */
    public static ObjectNode parse(String json) {
        if (json == null || json.isBlank()) {
            throw new PromptFormatException("prompt is empty; pass the API-format workflow JSON "
                    + "(ComfyUI: Workflow > Export (API))");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new PromptFormatException("prompt is not valid JSON (" + e.getOriginalMessage()
                    + "); pass the API-format workflow JSON", e);
        }
        return requireObject(node);
    }

    /**
     * Checks that {@code node} is a JSON object and returns it as one.
     *
     * @throws PromptFormatException if it is null, JSON null, or not an object
     */
    public static ObjectNode requireObject(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            throw new PromptFormatException("prompt is null; pass the API-format workflow as a JSON object "
                    + "{\"<node id>\": {\"class_type\": ..., \"inputs\": {...}}}");
        }
        if (!node.isObject()) {
            throw new PromptFormatException("prompt must be a JSON object {\"<node id>\": {\"class_type\": ..., "
                    + "\"inputs\": {...}}}, not a JSON " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return (ObjectNode) node;
    }
}
