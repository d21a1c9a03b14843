package io.comfyfleet.comfy;

/**
 * The unchecked root of every failure the ComfyUI client and the workflow model report. Subclasses say
 * what went wrong in terms a caller can act on, and carry the ids (prompt, node) they are about.
 */
public class ComfyException extends RuntimeException {
    public ComfyException(String message) {
        super(message);
    }

    public ComfyException(String message, Throwable cause) {
        super(message, cause);
    }
}
