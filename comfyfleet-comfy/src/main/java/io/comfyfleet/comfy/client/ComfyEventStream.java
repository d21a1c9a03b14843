package io.comfyfleet.comfy.client;

import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.events.ComfyEventListener;
import io.comfyfleet.comfy.client.events.EventParser;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ComfyUI event WebSocket ({@code /ws?clientId=<id>}) for one client id: reassembles fragmented
 * messages, parses them and hands typed events to a {@link ComfyEventListener}; reports close and errors.
 *
 * <p>Opening (and reopening) returns once ComfyUI's greeting frame has arrived, because ComfyUI registers
 * the client id only after the handshake; a prompt submitted before that could lose its first events.
 *
 * <p>One socket per client id at a time. ComfyUI keeps one socket per id; when an older socket with the same
 * id closes later, ComfyUI forgets the id altogether and stops delivering that client's events (PROTOCOL.md
 * §3.1). {@link #reconnect()} therefore closes the old socket before it opens the new one, and callbacks
 * from a replaced socket are dropped.
 */
public final class ComfyEventStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ComfyEventStream.class);
    /** A frame larger than this is dropped rather than buffered (full-size PNGs from SaveImageWebsocket fit). */
    static final int MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
    /** How long a reconnect waits for the server to acknowledge closing the old socket. */
    private static final long CLOSE_WAIT_MS = 1000;

    private final ComfyClient client;
    private final String clientId;
    private final ComfyEventListener listener;
    private final Object lock = new Object();
    private Attached socket;
    private int generation;
    private boolean closed;

    ComfyEventStream(ComfyClient client, String clientId, ComfyEventListener listener) {
        if (clientId == null || clientId.isBlank()) {
            throw new IllegalArgumentException("clientId must be a non-blank id (a UUID is usual)");
        }
        this.client = client;
        this.clientId = clientId;
        this.listener = java.util.Objects.requireNonNull(listener, "listener");
    }

    public String clientId() {
        return clientId;
    }

    /** True while the current socket is open for reading. */
    public boolean isOpen() {
        synchronized (lock) {
            return socket != null && !socket.ws().isInputClosed();
        }
    }

    /**
     * Sends this client's feature flags, e.g. {@code {"supports_preview_metadata": true}} to get previews as
     * binary event 4 (with node and prompt ids) instead of 1. ComfyUI only reads the client's <em>first</em>
     * frame on a socket, so call this right after opening or reconnecting; it answers with a
     * {@link ComfyEvent.FeatureFlags} event.
     *
     * @throws IllegalStateException if no socket is open
     */
    public void sendFeatureFlags(tools.jackson.databind.JsonNode flags) {
        WebSocket ws;
        synchronized (lock) {
            if (socket == null) {
                throw new IllegalStateException("event stream of " + clientId + " is not open");
            }
            ws = socket.ws();
        }
        tools.jackson.databind.node.ObjectNode frame = io.comfyfleet.common.json.Json.MAPPER.createObjectNode();
        frame.put("type", "feature_flags");
        frame.set("data", flags);
        ws.sendText(frame.toString(), true).orTimeout(client.connectTimeout().toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /**
     * Closes the current socket (if any) and opens a new one with the same client id, waiting for the
     * handshake.
     *
     * @throws ComfyUnavailableException if ComfyUI cannot be reached
     * @throws IllegalStateException     after {@link #close()}
     */
    public void reconnect() {
        Attached old;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("event stream of " + clientId + " is closed");
            }
            old = detach();
        }
        // wait for the old socket to be gone before ComfyUI sees the new one, or its cleanup drops our id
        closeAndWait(old, "reconnecting");
        connect();
    }

    /** Closes the socket for good; no listener calls follow. Idempotent. */
    @Override
    public void close() {
        Attached old;
        synchronized (lock) {
            closed = true;
            old = detach();
        }
        closeAndWait(old, "client closed");
    }

    void connect() {
        URI uri = client.webSocketUri(clientId);
        int gen;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("event stream of " + clientId + " is closed");
            }
            gen = ++generation;
        }
        long waitMs = client.connectTimeout().toMillis() + 1000;
        WebSocket ws;
        Frames frames = new Frames(gen);
        try {
            ws = client.httpClient().newWebSocketBuilder()
                    .connectTimeout(client.connectTimeout())
                    .buildAsync(uri, frames)
                    .get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw handshakeFailure(uri, e.getCause());
        } catch (TimeoutException e) {
            throw new ComfyUnavailableException(uri, "WebSocket handshake took over " + waitMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComfyUnavailableException(uri, "interrupted while connecting the WebSocket", e);
        }
        synchronized (lock) {
            if (closed || gen != generation) {
                ws.abort();
                return;
            }
            socket = new Attached(ws, frames.gone);
        }
        awaitGreeting(frames.greeted, uri);
    }

    /**
     * ComfyUI answers the handshake before it registers the client id, then greets with {@code status}+{@code
     * sid}. Until that frame arrives, events for this id can still be dropped, so a prompt submitted earlier
     * could lose its first events. Waiting for the first frame closes that window.
     */
    private void awaitGreeting(CompletableFuture<Void> greeted, URI uri) {
        try {
            greeted.get(client.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("no greeting from {} within {} ms; continuing without it", uri, client.connectTimeout().toMillis());
        } catch (ExecutionException e) {
            log.warn("waiting for the greeting from {} failed: {}", uri, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComfyUnavailableException(uri, "interrupted while waiting for the WebSocket greeting", e);
        }
    }

    private RuntimeException handshakeFailure(URI uri, Throwable cause) {
        if (cause instanceof WebSocketHandshakeException hs) {
            int status = hs.getResponse().statusCode();
            Object body = hs.getResponse().body();
            return new ComfyHttpException("GET /ws", status, (body == null ? "" : body.toString())
                    + (status == 403 ? " (ComfyUI refuses a loopback Origin that differs from Host)" : ""));
        }
        if (cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException) {
            return new ComfyUnavailableException(uri, "WebSocket connect failed", cause);
        }
        return new ComfyUnavailableException(uri, "WebSocket handshake failed", cause);
    }

    /** A socket and the future that completes once it is closed (close frame received, or failure). */
    private record Attached(WebSocket ws, CompletableFuture<Void> gone) {}

    /** Caller holds {@link #lock}: makes the current socket's callbacks stale and hands it over for closing. */
    private Attached detach() {
        generation++;
        Attached old = socket;
        socket = null;
        return old;
    }

    private static void closeAndWait(Attached old, String reason) {
        if (old == null) {
            return;
        }
        try {
            if (!old.ws().isOutputClosed()) {
                old.ws().sendClose(WebSocket.NORMAL_CLOSURE, reason);
            }
            old.gone().get(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("old socket did not close cleanly: {}", e.toString());
        } finally {
            old.ws().abort();
        }
    }

    private boolean current(int gen) {
        synchronized (lock) {
            return !closed && gen == generation;
        }
    }

    /** The listener of one socket: reassembles fragments, forwards typed events while it is current. */
    private final class Frames implements WebSocket.Listener {
        private final int gen;
        private final CompletableFuture<Void> gone = new CompletableFuture<>();
        private final CompletableFuture<Void> greeted = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private boolean oversized;

        Frames(int gen) {
            this.gen = gen;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (!oversized && text.length() + data.length() > MAX_MESSAGE_BYTES) {
                oversized = true;
            }
            if (!oversized) {
                text.append(data);
            }
            if (last) {
                String frame = text.toString();
                text.setLength(0);
                if (oversized) {
                    log.warn("dropped a text frame over {} bytes on {}", MAX_MESSAGE_BYTES, clientId);
                    oversized = false;
                } else {
                    deliver(() -> EventParser.parseText(frame));
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if (!oversized && binary.size() + data.remaining() > MAX_MESSAGE_BYTES) {
                oversized = true;
            }
            if (!oversized) {
                // the buffer is reused once this method returns, so copy it now
                byte[] chunk = new byte[data.remaining()];
                data.get(chunk);
                binary.writeBytes(chunk);
            }
            if (last) {
                byte[] frame = binary.toByteArray();
                binary.reset();
                if (oversized) {
                    log.warn("dropped a binary frame over {} bytes on {}", MAX_MESSAGE_BYTES, clientId);
                    oversized = false;
                } else {
                    deliver(() -> EventParser.parseBinary(frame));
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            gone.complete(null);
            greeted.complete(null);
            if (current(gen)) {
                try {
                    listener.onClosed(statusCode, reason);
                } catch (RuntimeException e) {
                    log.warn("event listener of {} failed on close", clientId, e);
                }
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            gone.complete(null);
            greeted.complete(null);
            if (current(gen)) {
                try {
                    listener.onError(error);
                } catch (RuntimeException e) {
                    log.warn("event listener of {} failed on error {}", clientId, error, e);
                }
            }
        }

        private void deliver(java.util.function.Supplier<ComfyEvent> parse) {
            try {
                if (current(gen)) {
                    dispatch(parse);
                }
            } finally {
                greeted.complete(null); // after dispatch, so an opener sees the greeting already delivered
            }
        }

        private void dispatch(java.util.function.Supplier<ComfyEvent> parse) {
            ComfyEvent event;
            try {
                event = parse.get();
            } catch (ComfyProtocolException e) {
                // one unreadable frame (a custom node's, say) must not end the stream
                log.warn("skipped an unreadable frame on {}: {}", clientId, e.getMessage());
                return;
            }
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("event listener of {} failed on {}", clientId, event.type(), e);
            }
        }
    }
}
