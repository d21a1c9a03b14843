package io.comfyfleet.comfy.client;

import java.util.Objects;

/**
 * A file ComfyUI knows by {@code filename} inside {@code subfolder} of one of its directories {@code type}
 * ({@code output}, {@code input} or {@code temp}); the triple GET /view takes and history outputs carry.
 */
public record FileRef(String filename, String subfolder, String type) {
    public FileRef {
        Objects.requireNonNull(filename, "filename");
        if (filename.isBlank()) {
            throw new IllegalArgumentException("filename must not be blank");
        }
        subfolder = subfolder == null ? "" : subfolder;
        type = type == null || type.isBlank() ? "output" : type;
    }

    /** A file in ComfyUI's output directory, top level. */
    public static FileRef output(String filename) {
        return new FileRef(filename, "", "output");
    }
}
