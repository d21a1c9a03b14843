package io.comfyfleet.cli.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Why a job that completed returned no file: its workflow shows images with {@code PreviewImage}, whose files
 * ComfyUI keeps in its temp folder and the worker does not return (as worker-comfyui does not). A person who
 * exported a workflow ending in a preview otherwise sees only "completed without output files".
 */
final class TemporaryOutputs {
    private TemporaryOutputs() {}

    /** What to add to "completed without output files", when the workflow's previews explain it. */
    static Optional<String> hint(ObjectNode workflow) {
        List<String> previews = new ArrayList<>();
        for (Map.Entry<String, JsonNode> node : workflow.properties()) {
            if ("PreviewImage".equals(node.getValue().path("class_type").asString(""))) {
                previews.add(node.getKey());
            }
        }
        if (previews.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("node" + (previews.size() == 1 ? " " : "s ") + String.join(", ", previews)
                + " (PreviewImage) " + (previews.size() == 1 ? "shows" : "show")
                + " temporary previews, which are not returned; use SaveImage for the images"
                + " you want back");
    }
}
