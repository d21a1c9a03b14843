package io.comfyfleet.worker.output;

import java.util.ServiceLoader;
import tools.jackson.databind.JsonNode;

/**
 * Makes sinks that need a library the rest of the worker should not see (S3). Found with {@link ServiceLoader},
 * so the worker never imports the S3 package.
 */
public interface OutputSinkProvider {
    /** The name a configuration uses, e.g. {@code s3}. */
    String name();

    /**
     * Builds a sink from settings in the job's {@code s3Config} shape.
     *
     * @throws io.comfyfleet.worker.input.InvalidJobInputException when a setting is missing or malformed
     */
    OutputSink create(JsonNode settings);

    /**
     * The provider called {@code name}.
     *
     * @throws IllegalStateException when none is on the class path
     */
    static OutputSinkProvider named(String name) {
        for (OutputSinkProvider p : ServiceLoader.load(OutputSinkProvider.class)) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("No output sink called '" + name + "' on the class path");
    }
}
