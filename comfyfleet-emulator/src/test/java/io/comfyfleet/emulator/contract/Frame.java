package io.comfyfleet.emulator.contract;

import tools.jackson.databind.JsonNode;

/** A WebSocket frame as a test sees it: a JSON text message, or a binary message's first bytes. */
record Frame(JsonNode text, byte[] binary) {
    static Frame text(JsonNode json) {
        return new Frame(json, null);
    }

    static Frame binary(byte[] bytes) {
        return new Frame(null, bytes);
    }

    boolean isText() {
        return text != null;
    }

    String type() {
        return isText() ? text.path("type").asString("") : "binary";
    }

    JsonNode data() {
        return text.path("data");
    }
}
