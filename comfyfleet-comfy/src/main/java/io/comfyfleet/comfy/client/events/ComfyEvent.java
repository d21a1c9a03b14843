package io.comfyfleet.comfy.client.events;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One message a ComfyUI server sent over its WebSocket, typed. JSON frames ({@code {"type","data"}}) become
 * the records named after their {@code type}; binary frames become {@link PreviewImage}, {@link Text} or
 * {@link UnknownBinary}. Anything ComfyUI or a custom node sends that this client does not model becomes
 * {@link Unknown}, never an error: ComfyUI itself tells clients to ignore unknown types.
 *
 * <p>Ids are strings as on the wire; fields the server omits are {@code null} (documented per record).
 */
public sealed interface ComfyEvent {

    /** The wire name of this event ({@code "status"}, {@code "executing"}, ...; binary frames use {@code "binary:<n>"}). */
    String type();

    /** The prompt this event is about, or {@code null} when the frame does not say (status, binary type 1 and 3). */
    default String promptId() {
        return null;
    }

    /** {@code status}: queue length (pending + running); {@code sid} only on the first frame after connecting. */
    record Status(int queueRemaining, String sid) implements ComfyEvent {
        public String type() {
            return "status";
        }
    }

    /** {@code execution_start}: the prompt left the queue and starts executing; {@code timestamp} in epoch ms. */
    record ExecutionStart(String promptId, long timestamp) implements ComfyEvent {
        public String type() {
            return "execution_start";
        }
    }

    /** {@code execution_cached}: nodes whose outputs come from the cache and will not run. */
    record ExecutionCached(String promptId, List<String> nodes, long timestamp) implements ComfyEvent {
        public ExecutionCached {
            nodes = List.copyOf(nodes);
        }

        public String type() {
            return "execution_cached";
        }
    }

    /**
     * {@code executing}: {@code node} is about to run. {@code node == null} marks the end of a prompt (sent
     * after the history entry is written, but not always: see {@link #isEndMarker()}). {@code promptId} is
     * {@code null} on the frame sent right after (re)connecting while a node runs.
     */
    record Executing(String promptId, String node, String displayNode) implements ComfyEvent {
        public String type() {
            return "executing";
        }

        /** True for {@code {"node": null}}; ComfyUI omits it after some interrupts, so never wait for it. */
        public boolean isEndMarker() {
            return node == null;
        }
    }

    /** {@code progress}: step {@code value} of {@code max} of node {@code node} (e.g. a sampler step). */
    record Progress(String promptId, String node, int value, int max) implements ComfyEvent {
        public String type() {
            return "progress";
        }
    }

    /** {@code progress_state}: the state of every started node of the prompt, keyed by node id. */
    record ProgressState(String promptId, Map<String, NodeProgress> nodes) implements ComfyEvent {
        public ProgressState {
            nodes = Map.copyOf(nodes);
        }

        public String type() {
            return "progress_state";
        }
    }

    /** One entry of {@link ProgressState}; {@code state} is {@code "running"} or {@code "finished"}. */
    record NodeProgress(String nodeId, double value, double max, String state, String displayNodeId,
                        String parentNodeId, String realNodeId) {
        public boolean finished() {
            return "finished".equals(state);
        }
    }

    /**
     * {@code executed}: a node returned UI data ({@code output}, e.g. {@code {"images":[...]}}); also sent for
     * cached output nodes with their earlier output. {@code output} is {@code null} when the server sent null.
     */
    record Executed(String promptId, String node, String displayNode, JsonNode output) implements ComfyEvent {
        public String type() {
            return "executed";
        }
    }

    /** {@code execution_success}: every node ran or came from the cache. Terminal. */
    record ExecutionSuccess(String promptId, long timestamp) implements ComfyEvent {
        public String type() {
            return "execution_success";
        }
    }

    /**
     * {@code execution_error}: node {@code nodeId} raised. Terminal (except {@code exceptionType
     * "ExecutionBlocked"}, which ComfyUI sends without a timestamp and continues after). {@code timestamp}
     * may be {@code null}; {@code currentInputs}/{@code currentOutputs} are passed through as sent.
     */
    record ExecutionError(String promptId, String nodeId, String nodeType, List<String> executed,
                          String exceptionMessage, String exceptionType, List<String> traceback,
                          JsonNode currentInputs, JsonNode currentOutputs, Long timestamp) implements ComfyEvent {
        public ExecutionError {
            executed = List.copyOf(executed);
            traceback = List.copyOf(traceback);
        }

        public String type() {
            return "execution_error";
        }

        /** ComfyUI reports a node stopped by an ExecutionBlocker this way and keeps running the prompt. */
        public boolean isBlockedNotice() {
            return "ExecutionBlocked".equals(exceptionType);
        }
    }

    /** {@code execution_interrupted}: the prompt was interrupted while {@code nodeId} ran. Terminal. */
    record ExecutionInterrupted(String promptId, String nodeId, String nodeType, List<String> executed,
                                Long timestamp) implements ComfyEvent {
        public ExecutionInterrupted {
            executed = List.copyOf(executed);
        }

        public String type() {
            return "execution_interrupted";
        }
    }

    /** {@code feature_flags}: the server's flags, sent in reply to the client's own first frame. */
    record FeatureFlags(JsonNode flags) implements ComfyEvent {
        public String type() {
            return "feature_flags";
        }
    }

    /** Any JSON frame whose type this client does not model (custom nodes, {@code logs}, ...). */
    record Unknown(String type, JsonNode data) implements ComfyEvent {}

    /**
     * A preview image: binary event 1 ({@code metadata == null}, format from the 4-byte format code) or event 4
     * ({@code metadata} from its JSON header, format from {@code image_type}). {@code bytes} is the encoded image.
     */
    record PreviewImage(ImageFormat format, byte[] bytes, PreviewMetadata metadata) implements ComfyEvent {
        public String type() {
            return metadata == null ? "binary:1" : "binary:4";
        }

        @Override
        public String promptId() {
            return metadata == null ? null : metadata.promptId();
        }
    }

    /** The JSON header of binary event 4. */
    record PreviewMetadata(String nodeId, String promptId, String displayNodeId, String parentNodeId,
                           String realNodeId, String imageType) {}

    /** Binary event 3: progress text for a node (API nodes, GetImageSize). Broadcast by ComfyUI. */
    record Text(String nodeId, String text) implements ComfyEvent {
        public String type() {
            return "binary:3";
        }
    }

    /** A binary frame with an event number this client does not model; {@code payload} follows the 4-byte type. */
    record UnknownBinary(int eventType, byte[] payload) implements ComfyEvent {
        public String type() {
            return "binary:" + eventType;
        }
    }

    /** Encodings of preview images. */
    enum ImageFormat {
        JPEG, PNG, WEBP, UNKNOWN;

        static ImageFormat fromCode(int code) {
            return switch (code) {
                case 1 -> JPEG;
                case 2 -> PNG;
                default -> UNKNOWN;
            };
        }

        static ImageFormat fromMimeType(String mime) {
            if (mime == null) {
                return UNKNOWN;
            }
            return switch (mime) {
                case "image/jpeg" -> JPEG;
                case "image/png" -> PNG;
                case "image/webp" -> WEBP;
                default -> UNKNOWN;
            };
        }
    }
}
