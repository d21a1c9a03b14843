package io.comfyfleet.gateway.admission;

import io.comfyfleet.core.ComfyFleetException;
import tools.jackson.databind.node.ObjectNode;

/**
 * A workflow refused before it was queued: the current worker version's ComfyUI would refuse it. The HTTP
 * answer is 400 with {@link #body()}, ComfyUI's own {@code {"error": {...}, "node_errors": {...}}}.
 */
public final class WorkflowRejectedException extends ComfyFleetException {
    private final String endpoint;
    private final String version;
    private final ObjectNode body;

    WorkflowRejectedException(String endpoint, String version, String userMessage, ObjectNode body) {
        super("endpoint " + endpoint + " (worker version " + version + ") refuses the workflow: " + userMessage);
        this.endpoint = endpoint;
        this.version = version;
        this.body = body;
    }

    public String endpoint() {
        return endpoint;
    }

    public String version() {
        return version;
    }

    /** ComfyUI's 400 body for the workflow, as {@code PromptValidator} produces it. */
    public ObjectNode body() {
        return body.deepCopy();
    }
}
