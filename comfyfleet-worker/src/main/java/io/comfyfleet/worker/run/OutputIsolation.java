package io.comfyfleet.worker.run;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gives every save node of a job ({@code SaveImage}, {@code SaveAnimatedWEBP}, video and audio savers: any
 * node with a string {@code filename_prefix}) a folder of its own: {@code <token>/<prefix>}.
 *
 * <p>Why: the worker deletes a job's files when it ends, but ComfyUI caches node results, and a rerun of the
 * same workflow would answer with the deleted files of the earlier job. A changed prefix makes the save node
 * run again (cheap), while the expensive nodes upstream still come from the cache. It also keeps two jobs'
 * files apart and lets cleanup remove one folder.
 */
final class OutputIsolation {
    private OutputIsolation() {}

    /** A copy of {@code workflow} with every {@code filename_prefix} moved under {@code token/}. */
    static ObjectNode isolate(ObjectNode workflow, String token) {
        ObjectNode copy = workflow.deepCopy();
        for (Map.Entry<String, JsonNode> node : copy.properties()) {
            JsonNode inputs = node.getValue().path("inputs");
            if (inputs instanceof ObjectNode in && in.path("filename_prefix").isString()) {
                String prefix = in.get("filename_prefix").asString();
                in.put("filename_prefix", token + "/" + (prefix.isEmpty() ? "ComfyUI" : prefix));
            }
        }
        return copy;
    }
}
