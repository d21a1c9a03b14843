package io.comfyfleet.gateway.jobs;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/** The gateway's one JSON mapper, with limits that keep hostile bodies (deep nesting) cheap to refuse. */
public final class Json {
    /** Deeper than any workflow needs; far below what would exhaust a thread's stack. */
    static final int MAX_NESTING = 200;

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING)
                            // bodies are already capped by size (10/20 MB); strings may use all of it
                            .maxStringLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .build();

    private Json() {}

    public static JsonMapper mapper() {
        return MAPPER;
    }
}
