package io.comfyfleet.comfy.client.events;

/**
 * Receives what a ComfyUI WebSocket delivers, one call at a time, in arrival order. Implementations should
 * return quickly: the next frame is not read until the call returns.
 */
public interface ComfyEventListener {

    /** One complete (reassembled) frame, typed. */
    void onEvent(ComfyEvent event);

    /** The socket closed (by the server, the network, or a close frame); {@code statusCode} as in RFC 6455. */
    default void onClosed(int statusCode, String reason) {}

    /** The socket failed; it is unusable afterwards. */
    default void onError(Throwable error) {}
}
