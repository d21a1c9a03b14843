package io.comfyfleet.worker.run;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps one job's saved files from being answered to another: every save node of a job ({@code SaveImage},
 * {@code SaveAnimatedWEBP}, video and audio savers: any node with a {@code filename_prefix}) must run again for
 * the job, not be replayed from ComfyUI's cache.
 *
 * <p>Why: the worker deletes a job's files when it ends, but ComfyUI caches node results, and a rerun of the same
 * workflow would answer with the deleted files of the earlier job. Changing the save node's inputs makes it run
 * again (cheap), while the expensive nodes upstream still come from the cache.
 * <ul>
 *   <li>A literal prefix moves into a folder of the job's own, {@code <token>/<prefix>}: it also keeps two jobs'
 *       files apart and lets clean-up remove one folder.</li>
 *   <li>A prefix given as a link to another node's output (a PrimitiveString, a text node) has no value before
 *       ComfyUI runs the prompt, so it cannot be moved. The node gets {@link #MARKER} = the token instead: ComfyUI
 *       keys its cache on every input in the prompt, declared or not, and never hands an undeclared one to the
 *       node. Its files land where the linked prefix says and are deleted one by one.</li>
 * </ul>
 */
final class OutputIsolation {
    /** The undeclared input that makes a save node with a linked prefix differ from the last job's. */
    static final String MARKER = "comfyfleet_job";

    private OutputIsolation() {}

    /** A copy of {@code workflow} whose save nodes run again under {@code token} (see the class comment). */
    static ObjectNode isolate(ObjectNode workflow, String token) {
        ObjectNode copy = workflow.deepCopy();
        for (Map.Entry<String, JsonNode> node : copy.properties()) {
            JsonNode inputs = node.getValue().path("inputs");
            if (!(inputs instanceof ObjectNode in) || !in.has("filename_prefix")) {
                continue;
            }
            JsonNode prefix = in.get("filename_prefix");
            if (prefix.isString()) {
                in.put("filename_prefix", token + "/" + (prefix.asString().isEmpty() ? "ComfyUI" : prefix.asString()));
            } else {
                in.put(MARKER, token);
            }
        }
        return copy;
    }
}
