package io.comfyfleet.worker.input;

import java.net.URI;

/** One image the job brings: its (checked) file name and where its bytes are. */
public record InputImage(String name, Source source) {
    /** Where an input image's bytes come from. */
    public sealed interface Source {}

    /** Decoded from the job's base64 or data URI. */
    public record Inline(byte[] bytes) implements Source {}

    /** To be fetched by the worker, under the {@link UrlPolicy}. */
    public record Remote(URI url) implements Source {}
}
