package io.comfyfleet.cli.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The files a workflow's {@code LoadImage} nodes read that no {@code --image} gives. Each worker's ComfyUI reads
 * inputs from a folder of its own that holds the job's images (and only what a worker image baked in), so such a
 * node nearly always fails; ComfyUI then says only {@code Invalid image file: in.png}, not which flag to add.
 * Warned about, not refused: a baked-in file is fine, and the gateway's admission has the last word.
 */
final class LoadImageInputs {
    /** The core nodes that read one file of ComfyUI's input folder from their {@code image} input. */
    private static final Set<String> READERS = Set.of("LoadImage", "LoadImageMask");
    /** ComfyUI's annotation for a file of the input folder, e.g. {@code in.png [input]}. */
    private static final String INPUT_ANNOTATION = " [input]";

    private LoadImageInputs() {}

    /** One warning per node whose file is not among {@code given} (the names the images are uploaded under). */
    static List<String> missing(ObjectNode workflow, List<String> given) {
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, JsonNode> node : workflow.properties()) {
            String type = node.getValue().path("class_type").asString("");
            JsonNode image = node.getValue().path("inputs").path("image");
            if (!READERS.contains(type) || !image.isString()) {
                continue; // another node, or an image linked from another node's output
            }
            String file = image.asString();
            if (file.endsWith(INPUT_ANNOTATION)) {
                file = file.substring(0, file.length() - INPUT_ANNOTATION.length());
            }
            if (!given.contains(file)) {
                warnings.add("node " + node.getKey() + " (" + type + ") reads " + file + ", which no --image gives"
                        + (given.isEmpty() ? "" : " (given: " + String.join(", ", given) + ")")
                        + "; add --image PATH/" + file + " (each image is uploaded under its own file name)");
            }
        }
        return warnings;
    }
}
