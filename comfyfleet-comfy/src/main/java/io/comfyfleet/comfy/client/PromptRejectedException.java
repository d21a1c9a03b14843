package io.comfyfleet.comfy.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * ComfyUI refused to queue a prompt. On HTTP 400 (validation) the parsed body is here: {@link #errorType()}
 * ({@code prompt_outputs_failed_validation}, {@code invalid_prompt}, {@code prompt_no_outputs},
 * {@code no_prompt}, ...), {@link #errorMessage()}, {@link #errorDetails()} and the per-node
 * {@link #nodeErrors()}. On HTTP 500 ComfyUI crashed while reading the body (e.g. a UI-format workflow whose
 * first key is numeric); then only the plain-text body is known and the error fields are null.
 */
public class PromptRejectedException extends ComfyHttpException {
    private final String promptId;
    private final String errorType;
    private final String errorMessage;
    private final String errorDetails;
    private final JsonNode nodeErrors;
    private final JsonNode body;

    PromptRejectedException(String promptId, int status, String rawBody, JsonNode body) {
        this(promptId, status, rawBody, body, Parsed.of(body));
    }

    private PromptRejectedException(String promptId, int status, String rawBody, JsonNode body, Parsed parsed) {
        super("POST /prompt", status, rawBody, message(promptId, status, rawBody, parsed));
        this.promptId = promptId;
        this.errorType = parsed.type;
        this.errorMessage = parsed.message;
        this.errorDetails = parsed.details;
        this.nodeErrors = parsed.nodeErrors;
        this.body = body;
    }

    /** The prompt id this client sent (so it can be reported against the job). */
    public String promptId() {
        return promptId;
    }

    /** {@code error.type}, or null (HTTP 500, or an old server that sent {@code error} as a plain string). */
    public String errorType() {
        return errorType;
    }

    /** {@code error.message} (or the plain {@code error} string of old servers), or null on HTTP 500. */
    public String errorMessage() {
        return errorMessage;
    }

    /** {@code error.details}, or null. */
    public String errorDetails() {
        return errorDetails;
    }

    /** {@code node_errors}: {@code {node_id: {errors:[{type,message,details,extra_info}], dependent_outputs, class_type}}}; empty object if none. */
    public JsonNode nodeErrors() {
        return nodeErrors;
    }

    /** The whole parsed JSON body, or null when the body was not JSON (HTTP 500). */
    public JsonNode body() {
        return body;
    }

    private record Parsed(String type, String message, String details, JsonNode nodeErrors) {
        static Parsed of(JsonNode body) {
            JsonNode empty = JsonNodeFactory.instance.objectNode();
            if (body == null || !body.isObject()) {
                return new Parsed(null, null, null, empty);
            }
            JsonNode error = body.path("error");
            JsonNode nodeErrors = body.path("node_errors").isObject() ? body.get("node_errors") : empty;
            if (error.isString()) {
                return new Parsed(null, error.asString(), null, nodeErrors);
            }
            return new Parsed(text(error, "type"), text(error, "message"), text(error, "details"), nodeErrors);
        }

        private static String text(JsonNode node, String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : v.asString();
        }
    }

    private static String message(String promptId, int status, String rawBody, Parsed p) {
        if (status >= 500 || (p.type == null && p.message == null)) {
            return "ComfyUI failed to read prompt " + promptId + " (HTTP " + status + "). It answers this way to "
                    + "bodies it cannot parse, such as a UI-format workflow; submit the API format "
                    + "(\"Export (API)\"). Body: " + excerpt(rawBody);
        }
        StringBuilder sb = new StringBuilder("ComfyUI rejected prompt ").append(promptId).append(" (HTTP ")
                .append(status).append("): ");
        if (p.type != null) {
            sb.append(p.type).append(": ");
        }
        sb.append(p.message);
        if (p.details != null && !p.details.isEmpty()) {
            sb.append(" [").append(p.details).append(']');
        }
        List<String> perNode = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : p.nodeErrors.properties()) {
            for (JsonNode err : e.getValue().path("errors")) {
                perNode.add("node " + e.getKey() + " (" + e.getValue().path("class_type").asString("?") + "): "
                        + err.path("message").asString("") + " " + err.path("details").asString(""));
            }
        }
        if (!perNode.isEmpty()) {
            sb.append("; ").append(String.join("; ", perNode));
        }
        return sb.toString();
    }
}
