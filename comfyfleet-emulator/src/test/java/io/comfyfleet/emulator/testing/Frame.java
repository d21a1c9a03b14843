package io.comfyfleet.emulator.testing;

import tools.jackson.databind.JsonNode;

/** A WebSocket frame as a test sees it: a JSON text message, or a binary message's first bytes. */
public record Frame(JsonNode text, byte[] binary) {
    public static Frame text(JsonNode json) {
        return new Frame(json, null);
    }

    public static Frame binary(byte[] bytes) {
        return new Frame(null, bytes);
    }

    public boolean isText() {
        return text != null;
    }

    public String type() {
        return isText() ? text.path("type").asString("") : "binary";
    }

    public JsonNode data() {
        return text.path("data");
    }
}
