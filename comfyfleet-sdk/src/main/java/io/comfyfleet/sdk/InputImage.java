package io.comfyfleet.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An image uploaded to ComfyUI before the workflow runs; a LoadImage node refers to it by {@code name}.
 * Sent as worker-comfyui's {@code {"name", "image": "<base64>"}}.
 */
public final class InputImage {
    private final String name;
    private final byte[] bytes;

    private InputImage(String name, byte[] bytes) {
        this.name = name;
        this.bytes = bytes;
    }

    /** @throws IllegalArgumentException when the name is blank or has a path separator */
    public static InputImage of(String name, byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (name == null || name.isBlank() || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("an input image name must be a plain file name like \"input.png\","
                    + " got \"" + name + "\"");
        }
        return new InputImage(name, bytes.clone());
    }

    /** The file's bytes under its own file name. */
    public static InputImage fromFile(Path file) {
        try {
            return of(file.getFileName().toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read input image " + file, e);
        }
    }

    public String name() {
        return name;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    String base64() {
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }
}
