package io.comfyfleet.comfy.client;

import tools.jackson.databind.JsonNode;

/**
 * ComfyUI's 200 answer to POST /prompt. {@code number} is the queue priority (an integer from the server's
 * counter, a float when the client sent one). {@code nodeErrors} can be non-empty on 200: ComfyUI then
 * queued only the outputs that validated and dropped the others (see {@link #droppedOutputs()}).
 */
public record QueuedPrompt(String promptId, double number, JsonNode nodeErrors) {

    /** True when ComfyUI dropped some outputs that failed validation but queued the rest. */
    public boolean droppedOutputs() {
        return nodeErrors != null && nodeErrors.isObject() && !nodeErrors.isEmpty();
    }
}
