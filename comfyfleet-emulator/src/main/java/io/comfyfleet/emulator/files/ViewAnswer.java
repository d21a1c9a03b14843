package io.comfyfleet.emulator.files;

import java.nio.file.Path;

/** GET /view's outcome: a status (200, 400, 403, 404) and, on 200, the file and its content type. */
public record ViewAnswer(int status, Path file, String contentType) {
    static ViewAnswer refused(int status) {
        return new ViewAnswer(status, null, null);
    }
}
