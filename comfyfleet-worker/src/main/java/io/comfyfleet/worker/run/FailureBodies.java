package io.comfyfleet.worker.run;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The job-done bodies of failed jobs. RunPod wants {@code error} as a string (a dict ends COMPLETED), so the
 * message a person reads goes there and the machine-readable details go in {@code output}.
 */
final class FailureBodies {
    private FailureBodies() {}

    static ObjectNode failed(String message, ObjectNode details) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("error", message);
        if (details != null) {
            details.put("status", "failed");
            body.set("output", details);
        }
        return body;
    }

    /** The workflow does not fit this ComfyUI: ComfyUI's own 400 {@code error} and {@code node_errors}. */
    static ObjectNode invalidWorkflow(String userMessage, JsonNode error, JsonNode nodeErrors) {
        ObjectNode details = Json.MAPPER.createObjectNode();
        details.put("reason", "validation_failed");
        if (error != null) {
            details.set("error", error);
        }
        details.set("node_errors", nodeErrors == null ? Json.MAPPER.createObjectNode() : nodeErrors);
        return failed(userMessage, details);
    }

    /** A node raised while running. */
    static ObjectNode nodeError(String promptId, ComfyEvent.ExecutionError e) {
        ObjectNode details = Json.MAPPER.createObjectNode();
        details.put("reason", "node_error");
        details.put("prompt_id", promptId);
        details.put("node_id", e.nodeId());
        details.put("node_type", e.nodeType());
        details.put("exception_type", e.exceptionType());
        details.put("exception_message", e.exceptionMessage());
        ArrayNode tb = details.putArray("traceback");
        e.traceback().forEach(tb::add);
        String message = "Node " + e.nodeId() + " (" + e.nodeType() + ") failed: " + e.exceptionType() + ": "
                + (e.exceptionMessage() == null ? "" : e.exceptionMessage().strip());
        return failed(message, details);
    }

    static ObjectNode reason(String reason, String message) {
        ObjectNode details = Json.MAPPER.createObjectNode();
        details.put("reason", reason);
        return failed(message, details);
    }
}
