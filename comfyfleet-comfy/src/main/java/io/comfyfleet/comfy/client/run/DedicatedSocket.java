package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ComfyEventStream;
import io.comfyfleet.comfy.client.events.ComfyEventListener;

/** A socket of the run's own, for a caller that chose the client id ({@link RunOptions#clientId()}). */
final class DedicatedSocket implements RunSocket {
    private final ComfyEventStream stream;

    private DedicatedSocket(ComfyEventStream stream) {
        this.stream = stream;
    }

    /** Opens the socket and waits for ComfyUI's greeting, so no event of a prompt submitted next is missed. */
    static DedicatedSocket open(ComfyClient client, String clientId, ComfyEventListener listener) {
        return new DedicatedSocket(client.openEventStream(clientId, listener));
    }

    @Override
    public void reconnect() {
        stream.reconnect();
    }

    @Override
    public void close() {
        stream.close();
    }
}
