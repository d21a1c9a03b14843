package io.comfyfleet.comfy.client.outputs;

import io.comfyfleet.comfy.client.FileRef;
import tools.jackson.databind.JsonNode;

/**
 * One file a node produced, as listed in history {@code outputs[nodeId][key]}. {@code type} is ComfyUI's
 * directory: {@code output} for saved results, {@code temp} for previews (deleted when ComfyUI restarts).
 * {@code animated} is true when the node also reported {@code animated: [true]} (animated WEBP/PNG, video).
 * {@code details} is the whole dict as sent (custom nodes add {@code format}, {@code frame_rate}, ...).
 */
public record OutputFile(String nodeId, String key, OutputKind kind, String filename, String subfolder,
                         String type, boolean animated, JsonNode details) {

    public boolean isTemp() {
        return "temp".equals(type);
    }

    public boolean isOutput() {
        return "output".equals(type);
    }

    /** The reference GET /view takes. */
    public FileRef ref() {
        return new FileRef(filename, subfolder, type);
    }
}
