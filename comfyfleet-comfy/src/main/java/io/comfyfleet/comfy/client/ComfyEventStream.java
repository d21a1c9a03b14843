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
 * <p>One socket per client id at a time. ComfyUI keeps one socket per id; when an older socket with the same
 * id closes later, ComfyUI forgets the id altogether and stops delivering that client's events (PROTOCOL.md
 * §3.1). {@link #reconnect()} therefore closes the old socket before it opens the new one, and callbacks
 * from a replaced socket are dropped.
 */
public final class ComfyEventStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ComfyEventStream.class);
    /** A frame larger than this is dropped rather than buffered (full-size PNGs from SaveImageWebsocket fit). */
    static final int MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

    private final ComfyClient client;
    private final String clientId;
    private final ComfyEventListener listener;
    private final Object lock = new Object();
    private WebSocket socket;
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
            return socket != null && !socket.isInputClosed();
        }
    }

    /**
     * Closes the current socket (if any) and opens a new one with the same client id, waiting for the
     * handshake.
     *
     * @throws ComfyUnavailableException if ComfyUI cannot be reached
     * @throws IllegalStateException     after {@link #close()}
     */
    public void reconnect() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("event stream of " + clientId + " is closed");
            }
            closeSocket("reconnecting");
        }
        connect();
    }

    /** Closes the socket for good; no listener calls follow. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            closeSocket("client closed");
        }
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
        try {
            ws = client.httpClient().newWebSocketBuilder()
                    .connectTimeout(client.connectTimeout())
                    .buildAsync(uri, new Frames(gen))
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
            socket = ws;
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

    /** Caller holds {@link #lock}. */
    private void closeSocket(String reason) {
        generation++; // callbacks of the old socket are ignored from now on
        WebSocket old = socket;
        socket = null;
        if (old != null) {
            try {
                old.sendClose(WebSocket.NORMAL_CLOSURE, reason).orTimeout(1, TimeUnit.SECONDS)
                        .whenComplete((ws, err) -> old.abort());
            } catch (RuntimeException e) {
                old.abort();
            }
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
            if (current(gen)) {
                try {
                    listener.onError(error);
                } catch (RuntimeException e) {
                    log.warn("event listener of {} failed on error {}", clientId, error, e);
                }
            }
        }

        private void deliver(java.util.function.Supplier<ComfyEvent> parse) {
            if (!current(gen)) {
                return;
            }
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
