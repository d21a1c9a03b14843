package io.comfyfleet.worker.output.s3;

import io.comfyfleet.worker.output.OutputSink;
import io.comfyfleet.worker.output.OutputSinkProvider;
import tools.jackson.databind.JsonNode;

/** Registers the S3 sink under the name {@code s3} (see META-INF/services). */
public final class S3SinkProvider implements OutputSinkProvider {
    @Override
    public String name() {
        return "s3";
    }

    @Override
    public OutputSink create(JsonNode settings) {
        return new S3Sink(S3Settings.from(settings));
    }
}
