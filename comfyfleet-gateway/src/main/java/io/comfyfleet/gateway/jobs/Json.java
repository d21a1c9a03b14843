package io.comfyfleet.gateway.jobs;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonFactoryBuilder;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's JSON mappers, with limits that keep hostile bodies (deep nesting) cheap to refuse and no duplicate
 * keys.
 */
public final class Json {
    /** Deeper than any workflow needs; far below what would exhaust a thread's stack. */
    static final int MAX_NESTING = 200;

    private static final JsonMapper MAPPER = JsonMapper.builder(factory().build()).build();
    /** Also reads NaN, Infinity and -Infinity, for what workers post (see {@link WorkerBodies}). */
    private static final JsonMapper WORKER_MAPPER = JsonMapper.builder(factory()
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .build())
            .build();

    private Json() {}

    /** The mapper for everything but workers' bodies: strict JSON. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    static JsonMapper workerMapper() {
        return WORKER_MAPPER;
    }

    private static JsonFactoryBuilder factory() {
        return JsonFactory.builder()
                // a key written twice would otherwise keep its last value with no word: refuse it and name it
                // (DuplicateKey), for clients, workflows, admin PATCHes and workers alike
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING)
                        // bodies are already capped by size (10/20 MB); strings may use all of it
                        .maxStringLength(Integer.MAX_VALUE)
                        .build());
    }
}
