package io.comfyfleet.comfy.client;

import io.comfyfleet.comfy.ComfyException;
import java.net.URI;

/**
 * ComfyUI could not be reached: connection refused (not started yet, or crashed), connect timeout, or the
 * connection dropped before an answer. A worker waiting for ComfyUI to come up retries on this one.
 */
public class ComfyUnavailableException extends ComfyException {
    private final URI uri;

    public ComfyUnavailableException(URI uri, String what, Throwable cause) {
        super("ComfyUI at " + uri + " is not reachable (" + what + "): " + cause, cause);
        this.uri = uri;
    }

    /** The URI that could not be reached. */
    public URI uri() {
        return uri;
    }
}
