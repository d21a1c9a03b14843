package io.comfyfleet.comfy.client.events;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.NullNode;

/**
 * Turns ComfyUI WebSocket frames into {@link ComfyEvent}s. Text frames are {@code {"type","data"}}; binary
 * frames start with a 4-byte big-endian event number (PROTOCOL.md §3.3). History entries store the same
 * messages as {@code [type, data]} pairs, which {@link #fromTypeAndData} reads.
 */
public final class EventParser {
    /** Binary event numbers from ComfyUI's {@code protocol.py}. */
    static final int PREVIEW_IMAGE = 1;
    static final int TEXT = 3;
    static final int PREVIEW_IMAGE_WITH_METADATA = 4;

    private EventParser() {}

    /**
     * Parses one complete text frame.
     *
     * @throws ComfyProtocolException if the frame is not a JSON object with a string {@code type}
     */
    public static ComfyEvent parseText(String frame) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(frame);
        } catch (JacksonException e) {
            throw new ComfyProtocolException("WebSocket text frame is not JSON: " + excerpt(frame), e);
        }
        if (root == null || !root.isObject() || !root.path("type").isString()) {
            throw new ComfyProtocolException(
                    "WebSocket text frame is not {\"type\":...,\"data\":...}: " + excerpt(frame));
        }
        return fromTypeAndData(root.get("type").asString(), root.get("data"));
    }

    /** Builds the event for a message type and its {@code data} (null data is read as an empty object). */
    public static ComfyEvent fromTypeAndData(String type, JsonNode data) {
        JsonNode d = data == null ? NullNode.getInstance() : data;
        return switch (type) {
            case "status" -> new ComfyEvent.Status(
                    JsonFields.intOr(d.path("status").path("exec_info"), "queue_remaining", 0),
                    JsonFields.string(d, "sid"));
            case "execution_start" -> new ComfyEvent.ExecutionStart(
                    JsonFields.string(d, "prompt_id"), JsonFields.longOr(d, "timestamp", 0));
            case "execution_cached" -> new ComfyEvent.ExecutionCached(
                    JsonFields.string(d, "prompt_id"), JsonFields.strings(d, "nodes"),
                    JsonFields.longOr(d, "timestamp", 0));
            case "executing" -> new ComfyEvent.Executing(
                    JsonFields.string(d, "prompt_id"), JsonFields.string(d, "node"),
                    JsonFields.string(d, "display_node"));
            case "progress" -> new ComfyEvent.Progress(
                    JsonFields.string(d, "prompt_id"), JsonFields.string(d, "node"),
                    JsonFields.intOr(d, "value", 0), JsonFields.intOr(d, "max", 0));
            case "progress_state" -> new ComfyEvent.ProgressState(
                    JsonFields.string(d, "prompt_id"), nodeProgress(d.path("nodes")));
            case "executed" -> new ComfyEvent.Executed(
                    JsonFields.string(d, "prompt_id"), JsonFields.string(d, "node"),
                    JsonFields.string(d, "display_node"), JsonFields.nodeOrNull(d, "output"));
            case "execution_success" -> new ComfyEvent.ExecutionSuccess(
                    JsonFields.string(d, "prompt_id"), JsonFields.longOr(d, "timestamp", 0));
            case "execution_error" -> new ComfyEvent.ExecutionError(
                    JsonFields.string(d, "prompt_id"), JsonFields.string(d, "node_id"),
                    JsonFields.string(d, "node_type"), JsonFields.strings(d, "executed"),
                    JsonFields.string(d, "exception_message"), JsonFields.string(d, "exception_type"),
                    JsonFields.strings(d, "traceback"), JsonFields.nodeOrNull(d, "current_inputs"),
                    JsonFields.nodeOrNull(d, "current_outputs"), JsonFields.longOrNull(d, "timestamp"));
            case "execution_interrupted" -> new ComfyEvent.ExecutionInterrupted(
                    JsonFields.string(d, "prompt_id"), JsonFields.string(d, "node_id"),
                    JsonFields.string(d, "node_type"), JsonFields.strings(d, "executed"),
                    JsonFields.longOrNull(d, "timestamp"));
            case "feature_flags" -> new ComfyEvent.FeatureFlags(d);
            default -> new ComfyEvent.Unknown(type, d);
        };
    }

    private static Map<String, ComfyEvent.NodeProgress> nodeProgress(JsonNode nodes) {
        Map<String, ComfyEvent.NodeProgress> out = new LinkedHashMap<>();
        if (nodes.isObject()) {
            for (Map.Entry<String, JsonNode> e : nodes.properties()) {
                JsonNode n = e.getValue();
                String nodeId = JsonFields.string(n, "node_id");
                out.put(e.getKey(), new ComfyEvent.NodeProgress(
                        nodeId == null ? e.getKey() : nodeId,
                        JsonFields.doubleOr(n, "value", 0), JsonFields.doubleOr(n, "max", 0),
                        JsonFields.string(n, "state"), JsonFields.string(n, "display_node_id"),
                        JsonFields.string(n, "parent_node_id"), JsonFields.string(n, "real_node_id")));
            }
        }
        return out;
    }

    /**
     * Parses one complete binary frame (the buffer's remaining bytes; its position is not changed).
     *
     * @throws ComfyProtocolException if the frame is shorter than its header says
     */
    public static ComfyEvent parseBinary(ByteBuffer frame) {
        ByteBuffer buf = frame.slice(); // big-endian by default, as ComfyUI packs with ">I"
        if (buf.remaining() < 4) {
            throw new ComfyProtocolException("binary frame of " + buf.remaining() + " bytes has no 4-byte event type");
        }
        int event = buf.getInt();
        return switch (event) {
            case PREVIEW_IMAGE -> {
                requireRemaining(buf, 4, "preview image format code");
                ComfyEvent.ImageFormat format = ComfyEvent.ImageFormat.fromCode(buf.getInt());
                yield new ComfyEvent.PreviewImage(format, rest(buf), null);
            }
            case TEXT -> {
                requireRemaining(buf, 4, "text node id length");
                int idLength = buf.getInt();
                requireRemaining(buf, idLength, "text node id");
                byte[] id = new byte[idLength];
                buf.get(id);
                yield new ComfyEvent.Text(new String(id, StandardCharsets.UTF_8),
                        new String(rest(buf), StandardCharsets.UTF_8));
            }
            case PREVIEW_IMAGE_WITH_METADATA -> {
                requireRemaining(buf, 4, "preview metadata length");
                int metaLength = buf.getInt();
                requireRemaining(buf, metaLength, "preview metadata");
                byte[] meta = new byte[metaLength];
                buf.get(meta);
                ComfyEvent.PreviewMetadata metadata = metadata(meta);
                yield new ComfyEvent.PreviewImage(
                        ComfyEvent.ImageFormat.fromMimeType(metadata.imageType()), rest(buf), metadata);
            }
            default -> new ComfyEvent.UnknownBinary(event, rest(buf));
        };
    }

    /** Convenience for {@link #parseBinary(ByteBuffer)}. */
    public static ComfyEvent parseBinary(byte[] frame) {
        return parseBinary(ByteBuffer.wrap(frame));
    }

    private static ComfyEvent.PreviewMetadata metadata(byte[] json) {
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new ComfyProtocolException("binary preview (event 4) metadata is not JSON", e);
        }
        return new ComfyEvent.PreviewMetadata(JsonFields.string(m, "node_id"), JsonFields.string(m, "prompt_id"),
                JsonFields.string(m, "display_node_id"), JsonFields.string(m, "parent_node_id"),
                JsonFields.string(m, "real_node_id"), JsonFields.string(m, "image_type"));
    }

    private static void requireRemaining(ByteBuffer buf, int needed, String what) {
        if (needed < 0 || buf.remaining() < needed) {
            throw new ComfyProtocolException("binary frame truncated: " + what + " needs " + needed
                    + " bytes, " + buf.remaining() + " left");
        }
    }

    private static byte[] rest(ByteBuffer buf) {
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    private static String excerpt(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() <= 200 ? text : text.substring(0, 200) + "...(" + text.length() + " chars)";
    }
}
