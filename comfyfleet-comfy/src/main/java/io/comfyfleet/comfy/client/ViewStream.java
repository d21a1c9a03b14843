package io.comfyfleet.comfy.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.OptionalLong;

/**
 * The body of GET /view, not yet read: stream it and close it. {@code contentType} is what ComfyUI guessed
 * from the extension ({@code application/octet-stream} if none); {@code contentLength} is empty when the
 * server did not say.
 */
public record ViewStream(FileRef file, String contentType, OptionalLong contentLength, InputStream body)
        implements AutoCloseable {

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing /view body of " + file.filename(), e);
        }
    }
}
