package io.comfyfleet.emulator.engine;

import tools.jackson.databind.JsonNode;

/** ComfyUI's {@code is_link}: a two-element list of a string node id and an integer slot. */
final class Links {
    private Links() {}

    static boolean isLink(JsonNode value) {
        return value != null && value.isArray() && value.size() == 2 && value.get(0).isString()
                && value.get(1).isIntegralNumber();
    }
}
