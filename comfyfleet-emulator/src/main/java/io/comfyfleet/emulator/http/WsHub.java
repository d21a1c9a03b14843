package io.comfyfleet.emulator.http;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.engine.EventSink;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The WebSocket side of ComfyUI's PromptServer: sockets by sid, and one sender thread draining one FIFO,
 * so every socket sees events in the order the engine produced them (as ComfyUI's single asyncio queue
 * does). Also carries the "drop the WebSocket" fault knob.
 */
public final class WsHub implements EventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WsHub.class);

    private record Outgoing(String sid, WsContext only, String text, JsonNode previewMetadata, byte[] jpeg, Runnable action) {
        Outgoing(String sid, WsContext only, String text, JsonNode previewMetadata, byte[] jpeg) {
            this(sid, only, text, previewMetadata, jpeg, null);
        }
    }

    private static final Outgoing STOP = new Outgoing(null, null, null, null, null);

    private final Map<String, WsContext> bySid = new ConcurrentHashMap<>();
    private final Map<String, Boolean> previewMetadata = new ConcurrentHashMap<>();
    private final List<WsContext> open = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Outgoing> outbox = new LinkedBlockingQueue<>();
    private final AtomicInteger dropAfter = new AtomicInteger(-1);
    private final Thread sender;

    /** Starts the sender thread; the hub is handed to the engine (events) and to {@link HttpFrontEnd} (sockets). */
    public WsHub() {
        sender = Thread.ofPlatform().name("comfy-ws-sender").daemon(true).start(this::drain);
    }

    /** A text frame for one socket: {@code {"type": type, "data": data}}. */
    record Greeting(String type, ObjectNode data) {}

    /**
     * A socket connected as {@code sid}; like ComfyUI, a newer socket takes over the sid. The takeover is
     * queued with the frames, so frames produced before the connect still go where they were addressed then.
     * The greeting (status, then the executing node) is sent by the same queued step that registers the
     * socket: ComfyUI's handler adds the socket and sends both in one event-loop turn, so no event the
     * engine produces meanwhile can reach the new socket ahead of its greeting.
     */
    void connected(String sid, WsContext ctx, List<Greeting> greeting) {
        List<String> texts = greeting.stream().map(g -> envelope(g.type(), g.data())).toList();
        outbox.add(new Outgoing(null, null, null, null, null, () -> {
            bySid.put(sid, ctx);
            open.add(ctx);
            for (String text : texts) {
                ctx.send(text);
                countFrame();
            }
        }));
    }

    /** ComfyUI's {@code finally: sockets.pop(sid)}: drops the sid even when a newer socket owns it. */
    void closed(String sid, WsContext ctx) {
        outbox.add(new Outgoing(null, null, null, null, null, () -> {
            open.remove(ctx);
            bySid.remove(sid);
            previewMetadata.remove(sid);
        }));
    }

    void negotiated(String sid, boolean supportsPreviewMetadata) {
        previewMetadata.put(sid, supportsPreviewMetadata);
    }

    /** Sends to exactly this socket (the feature_flags reply), in order with everything else. */
    void sendTo(WsContext ctx, String type, ObjectNode data) {
        outbox.add(new Outgoing(null, ctx, envelope(type, data), null, null));
    }

    @Override
    public void send(String type, ObjectNode data, String sid) {
        outbox.add(new Outgoing(sid, null, envelope(type, data), null, null));
    }

    @Override
    public void sendPreview(byte[] jpeg, ObjectNode metadata, String sid) {
        outbox.add(new Outgoing(sid, null, null, metadata, jpeg));
    }

    /** Fault knob: close every socket after {@code frames} more frames (0 = now). */
    void dropAfter(int frames) {
        if (frames <= 0) {
            dropAfter.set(-1);
            closeAll();
        } else {
            dropAfter.set(frames);
        }
    }

    private void drain() {
        while (true) {
            Outgoing next;
            try {
                next = outbox.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next == STOP) {
                return;
            }
            try {
                if (next.action != null) {
                    next.action.run();
                    continue;
                }
                deliver(next);
            } catch (RuntimeException e) {
                LOG.debug("a WebSocket send failed; the socket is probably closing", e);
            }
        }
    }

    private void deliver(Outgoing out) {
        List<WsContext> targets;
        if (out.only != null) {
            targets = List.of(out.only);
        } else if (out.sid == null) {
            targets = List.copyOf(open);
        } else {
            WsContext ctx = bySid.get(out.sid);
            targets = ctx == null ? List.of() : List.of(ctx);
        }
        for (WsContext ctx : targets) {
            if (out.text != null) {
                ctx.send(out.text);
            } else {
                ctx.send(ByteBuffer.wrap(previewFrame(out, supportsMetadata(out.sid, ctx))));
            }
            countFrame();
        }
    }

    /** Looks the addressed sid up directly; only a broadcast (no sid) needs to find the socket's sid. */
    private boolean supportsMetadata(String sid, WsContext ctx) {
        if (sid != null) {
            return previewMetadata.getOrDefault(sid, false);
        }
        return bySid.entrySet().stream().anyMatch(e -> e.getValue() == ctx && previewMetadata.getOrDefault(e.getKey(), false));
    }

    /** Type 1 with format 1 (JPEG), or type 4 with a length-prefixed metadata JSON. */
    private static byte[] previewFrame(Outgoing out, boolean withMetadata) {
        if (!withMetadata) {
            return ByteBuffer.allocate(8 + out.jpeg.length).putInt(1).putInt(1).put(out.jpeg).array();
        }
        byte[] metadata = Json.MAPPER.writeValueAsString(out.previewMetadata).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + metadata.length + out.jpeg.length).putInt(4).putInt(metadata.length)
                .put(metadata).put(out.jpeg).array();
    }

    private void countFrame() {
        if (dropAfter.get() > 0 && dropAfter.decrementAndGet() == 0) {
            dropAfter.set(-1);
            closeAll();
        }
    }

    private void closeAll() {
        LOG.warn("fault knob: closing all {} WebSocket(s)", open.size());
        for (WsContext ctx : List.copyOf(open)) {
            try {
                ctx.closeSession(1011, "emulator fault: WebSocket dropped");
            } catch (RuntimeException e) {
                LOG.debug("closing a socket failed", e);
            }
        }
    }

    private static String envelope(String type, ObjectNode data) {
        ObjectNode message = Json.MAPPER.createObjectNode();
        message.put("type", type);
        message.set("data", data);
        return Json.MAPPER.writeValueAsString(message);
    }

    @Override
    public void close() {
        outbox.add(STOP);
        try {
            sender.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
