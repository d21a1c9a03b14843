package io.comfyfleet.comfy.workflow;

import io.comfyfleet.common.json.Json;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What ComfyUI 0.3.64's POST /prompt answers for a prompt: the HTTP status, the body, the outputs it would queue,
 * and the per-node errors (which can be non-empty on 200 when only some outputs are valid).
 */
public final class PromptCheck {
    /** aiohttp's body for an unhandled exception in a handler. */
    public static final String INTERNAL_ERROR_TEXT = "500 Internal Server Error\n\nServer got itself in trouble";

    private final int status;
    private final ObjectNode error;
    private final ObjectNode nodeErrors;
    private final List<String> outputs;
    private final JsonNode prompt;
    private final String internalError;
    private final Problems problems;

    PromptCheck(int status, ObjectNode error, ObjectNode nodeErrors, List<String> outputs, JsonNode prompt,
            String internalError, Problems problems) {
        this.status = status;
        this.error = error;
        this.nodeErrors = nodeErrors;
        this.outputs = List.copyOf(outputs);
        this.prompt = prompt;
        this.internalError = internalError;
        this.problems = problems;
    }

    /** 200 (queued, maybe with some outputs dropped), 400 (rejected) or 500 (ComfyUI's handler would crash). */
    public int httpStatus() {
        return status;
    }

    /** True when ComfyUI would queue the prompt (status 200); check {@link #nodeErrors()} for dropped outputs. */
    public boolean ok() {
        return status == 200;
    }

    /** True when ComfyUI would queue the prompt with every output node it has. */
    public boolean complete() {
        return ok() && nodeErrors.isEmpty();
    }

    /**
     * The JSON body: for 400 {@code {"error": {...}, "node_errors": {...}}}; for 200 {@code {"node_errors": {...}}}
     * (see {@link #successBody}); for 500 an empty object (the real body is {@link #plainTextBody()}).
     */
    public ObjectNode body() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (status == 400) {
            body.set("error", error.deepCopy());
        }
        if (status != 500) {
            body.set("node_errors", nodeErrors.deepCopy());
        }
        return body;
    }

    /** The 200 body ComfyUI sends: {@code {"prompt_id", "number", "node_errors"}}, in that order. */
    public ObjectNode successBody(String promptId, Number number) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("prompt_id", promptId);
        switch (number) {
            case Integer i -> body.put("number", i);
            case Long l -> body.put("number", l);
            case null -> body.putNull("number");
            default -> body.put("number", number.doubleValue());
        }
        body.set("node_errors", nodeErrors.deepCopy());
        return body;
    }

    /** The body as text: the JSON for 200/400, aiohttp's plain text for 500. */
    public String plainTextBody() {
        return status == 500 ? INTERNAL_ERROR_TEXT : body().toString();
    }

    /** The 400 body's {@code error} object. */
    public Optional<ObjectNode> error() {
        return Optional.ofNullable(error).map(ObjectNode::deepCopy);
    }

    /** node id to {@code {"errors": [...], "dependent_outputs": [...], "class_type": ...}}. */
    public ObjectNode nodeErrors() {
        return nodeErrors.deepCopy();
    }

    /** The output node ids ComfyUI would execute (empty unless 200), in prompt key order. */
    public List<String> outputsToExecute() {
        return outputs;
    }

    /**
     * The prompt as ComfyUI would queue it: {@code {"__value__": ...}} unwrapped and widget values converted to
     * their declared INT/FLOAT/STRING/BOOLEAN type, as validation does in place.
     */
    public JsonNode prompt() {
        return prompt.deepCopy();
    }

    /** For 500: the Python exception ComfyUI's handler would die of, e.g. {@code TypeError: ...}. */
    public Optional<String> internalError() {
        return Optional.ofNullable(internalError);
    }

    /**
     * Every problem in words a workflow author can act on, one per line; empty when there is none. Unlike
     * ComfyUI, it names every unknown node type and every invalid input, not just the first.
     */
    public String userMessage() {
        return problems.describe(this);
    }

    @Override
    public String toString() {
        return "PromptCheck[" + status + (error == null ? "" : " " + error.path("type").asString()) + "]";
    }
}
