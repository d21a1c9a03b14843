package io.comfyfleet.comfy.client;

import io.comfyfleet.comfy.ComfyException;

/**
 * A prompt handed to this client is not an API-format workflow it could submit: null, not JSON, or not a
 * JSON object. Raised before anything is sent to ComfyUI; the message says what to change.
 */
public class PromptFormatException extends ComfyException {
    public PromptFormatException(String message) {
        super(message);
    }

    public PromptFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
