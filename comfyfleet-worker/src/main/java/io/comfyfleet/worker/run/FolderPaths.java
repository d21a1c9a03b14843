package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.FileRef;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a file ComfyUI names ({@code filename}, {@code subfolder}, {@code type}) lies on this worker's disk,
 * when the worker launched ComfyUI and so knows its folders. Never a path outside those folders, whatever a
 * history entry says.
 */
final class FolderPaths {
    private FolderPaths() {}

    /** The file's path, or empty when the folders are unknown (attached ComfyUI) or the name leaves them. */
    static Optional<Path> of(LaunchSpec.Folders folders, FileRef file) {
        return root(folders, file.type()).flatMap(base -> inside(base, file.subfolder(), file.filename()));
    }

    /** ComfyUI's folder for files of {@code type} ({@code output}, {@code input}, {@code temp}), if known. */
    static Optional<Path> root(LaunchSpec.Folders folders, String type) {
        if (folders == null || type == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (type) {
            case "output" -> folders.output();
            case "input" -> folders.input();
            case "temp" -> folders.temp().resolve("temp"); // ComfyUI puts temp files in <temp-directory>/temp
            default -> null;
        });
    }

    /** {@code base/subfolder/name}, or empty when that is {@code base} itself or lies outside it. */
    static Optional<Path> inside(Path base, String subfolder, String name) {
        Path root = base.toAbsolutePath().normalize();
        Path file = root.resolve(subfolder == null ? "" : subfolder).resolve(name).normalize();
        return file.startsWith(root) && !file.equals(root) ? Optional.of(file) : Optional.empty();
    }
}
