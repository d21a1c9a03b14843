package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.ComfyException;

/**
 * A prompt vanished: after the WebSocket dropped (or went quiet) it was neither in ComfyUI's history nor in
 * its queue. Usually ComfyUI restarted, or someone cleared the queue. The job may be retried.
 */
public class PromptLostException extends ComfyException {
    private final String promptId;

    public PromptLostException(String promptId, String context) {
        super("prompt " + promptId + " is neither in ComfyUI's history nor in its queue (" + context
                + "); ComfyUI probably restarted or the queue was cleared");
        this.promptId = promptId;
    }

    public String promptId() {
        return promptId;
    }
}
