package io.comfyfleet.emulator.files;

/** POST /upload/image's outcome: 200 with {@code {name, subfolder, type}}, or a bare 400/500 status. */
public record UploadAnswer(int status, String name, String subfolder, String type) {
    static UploadAnswer refused(int status) {
        return new UploadAnswer(status, null, null, null);
    }
}
