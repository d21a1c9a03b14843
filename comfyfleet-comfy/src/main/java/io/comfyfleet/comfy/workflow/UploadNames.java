package io.comfyfleet.comfy.workflow;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Which names a job's own input file (worker-comfyui's {@code input.images[].name}) may have: a plain file name
 * in ComfyUI's input folder. The worker writes the file there under this exact name, and the workflow refers to
 * it by the same name, so a bad name is refused, never rewritten. The gateway asks the same at admission, so the
 * client hears it before the job is queued.
 */
public final class UploadNames {
    public static final int MAX_BYTES = 200;

    private UploadNames() {}

    /**
     * What is wrong with the name, as the end of a sentence that starts with the name ("... contains a path
     * separator; use a plain file name such as \"input.png\""), or empty when it is a plain file name.
     */
    public static Optional<String> problem(String name) {
        if (name == null || name.isBlank()) {
            return Optional.of("is missing: give each image a file name such as \"input.png\"");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return Optional.of("contains a path separator; use a plain file name such as \"input.png\"");
            }
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return Optional.of("contains a control character");
            }
            if (c == ':') {
                return Optional.of("contains ':'; ComfyUI reads \"name [type]\" annotations and drive letters from"
                        + " such names");
            }
        }
        if (name.startsWith(".")) {
            return Optional.of("starts with a dot; hidden files and \"..\" are not allowed");
        }
        if (!name.equals(name.strip())) {
            return Optional.of("starts or ends with a space");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return Optional.of("is longer than " + MAX_BYTES + " bytes");
        }
        return Optional.empty();
    }

    /** The name as an error message may show it: at most 80 characters, control characters escaped. */
    public static String printable(String name) {
        StringBuilder b = new StringBuilder();
        name.codePoints().limit(80).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
