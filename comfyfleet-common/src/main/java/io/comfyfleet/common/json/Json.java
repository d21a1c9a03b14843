package io.comfyfleet.common.json;

import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper the ComfyUI client, the workflow model and the emulator share. */
public final class Json {
    /** Thread-safe and immutable once built; reuse it rather than building another. */
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {}
}
