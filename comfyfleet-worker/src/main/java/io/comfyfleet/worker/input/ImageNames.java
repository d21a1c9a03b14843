package io.comfyfleet.worker.input;

import io.comfyfleet.comfy.workflow.UploadNames;
import java.util.Optional;

/**
 * Checks a user-given input file name before it reaches ComfyUI's input folder, by {@link UploadNames}' rule (the
 * gateway's admission applies the same one).
 */
public final class ImageNames {
    private ImageNames() {}

    /**
     * Returns {@code name} when it is a plain file name.
     *
     * @throws InvalidJobInputException when it is empty, too long, {@code .}/{@code ..}, starts with a dot, or
     *     contains a path separator, a colon, or a control character
     */
    public static String requireSafe(String name, String where) {
        Optional<String> problem = UploadNames.problem(name);
        if (problem.isEmpty()) {
            return name;
        }
        boolean missing = name == null || name.isBlank();
        throw new InvalidJobInputException(where + (missing ? " " : " \"" + UploadNames.printable(name) + "\" ")
                + problem.get());
    }
}
