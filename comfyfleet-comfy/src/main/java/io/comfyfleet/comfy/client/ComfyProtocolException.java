package io.comfyfleet.comfy.client;

import io.comfyfleet.comfy.ComfyException;

/**
 * ComfyUI answered with something this client cannot read: a body that is not the JSON shape its route
 * documents, or a WebSocket frame that is not {@code {"type","data"}} / a known binary layout. Usually means
 * the base URI points at something that is not ComfyUI, or at an incompatible version.
 */
public class ComfyProtocolException extends ComfyException {
    public ComfyProtocolException(String message) {
        super(message);
    }

    public ComfyProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
