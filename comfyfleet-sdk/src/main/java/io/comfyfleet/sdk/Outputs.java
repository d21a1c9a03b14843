package io.comfyfleet.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Reads the output files out of a job's {@code output}: ComfyFleet's list first, worker-comfyui's second. */
final class Outputs {
    private Outputs() {}

    static List<Output> parse(String jobId, JsonNode output, Transport transport, Duration timeout) {
        List<Output> files = new ArrayList<>();
        if (output == null || !output.isObject()) {
            return files;
        }
        JsonNode rich = output.get("outputs");
        if (rich != null && rich.isArray()) {
            for (JsonNode o : rich) {
                String type = text(o, "type");
                String data = o.has("url") ? text(o, "url") : text(o, "data");
                // text outputs (kind text) carry their value in data but are no file; keep only files
                if (data == null || o.path("filename").isMissingNode()) {
                    continue;
                }
                files.add(new Output(jobId, text(o, "filename"), text(o, "kind"), text(o, "mime_type"),
                        type == null ? (o.has("url") ? "url" : "base64") : type, text(o, "node_id"), data,
                        transport, timeout));
            }
            return files;
        }
        JsonNode images = output.get("images");
        if (images != null && images.isArray()) {
            for (JsonNode image : images) {
                String data = text(image, "data");
                if (data == null) {
                    continue;
                }
                String type = text(image, "type");
                files.add(new Output(jobId, text(image, "filename"), "image", null, type == null ? "base64" : type,
                        null, data, transport, timeout));
            }
        }
        return files;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : null;
    }
}
