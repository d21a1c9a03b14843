package io.comfyfleet.emulator.engine;

import tools.jackson.databind.node.ObjectNode;

/**
 * Where the engine's WebSocket events go, with ComfyUI's {@code send_sync(event, data, sid)} semantics:
 * a null {@code sid} broadcasts to every socket, otherwise only the socket with that client id gets it.
 * Implementations keep one global order of everything sent, as ComfyUI's single message queue does.
 */
public interface EventSink {
    void send(String type, ObjectNode data, String sid);

    /**
     * A latent preview JPEG: binary type 1 (format 1) for ordinary sockets, or type 4 with
     * {@code metadata} for a socket that negotiated {@code supports_preview_metadata}.
     */
    void sendPreview(byte[] jpeg, ObjectNode metadata, String sid);
}
