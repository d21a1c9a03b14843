package io.comfyfleet.comfy.workflow;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inputs a node checks itself with a VALIDATE_INPUTS that only asks whether the named file exists (so
 * ComfyUI skips its range and list checks for them). Upload pickers show it in /object_info ({@code image_upload},
 * {@code audio_upload}, {@code video_upload}); two core nodes do it without saying so.
 */
final class FileChecks {
    /** What the file is called in the error ("Invalid image file: x"), and the function's Python name. */
    record Check(String kind, String function) {}

    private static final Map<String, Map<String, Check>> UNMARKED = Map.of(
            "LoadLatent", Map.of("latent", new Check("latent", "LoadLatent.VALIDATE_INPUTS")),
            // inherits LoadImage.VALIDATE_INPUTS; its "WEBCAM" widget uploads the capture as a file
            "WebcamCapture", Map.of("image", new Check("image", "LoadImage.VALIDATE_INPUTS")));

    /** Subclasses of LoadImage name its function in Python's messages. */
    private static final Map<String, String> INHERITED = Map.of("LoadImageOutput", "LoadImage");

    private FileChecks() {}

    static Map<String, Check> of(NodeType type) {
        Map<String, Check> known = UNMARKED.get(type.name());
        if (known != null) {
            return known;
        }
        Map<String, Check> checks = new LinkedHashMap<>();
        String owner = INHERITED.getOrDefault(type.name(), type.name());
        for (InputSpec spec : type.inputs()) {
            if (spec.category() != InputCategory.HIDDEN && spec.isCombo() && spec.uploadKind().isPresent()) {
                checks.putIfAbsent(spec.name(), new Check(spec.uploadKind().get(), owner + ".VALIDATE_INPUTS"));
            }
        }
        return checks;
    }
}
