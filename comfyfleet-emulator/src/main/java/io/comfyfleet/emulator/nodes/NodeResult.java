package io.comfyfleet.emulator.nodes;

import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * A node's return: one value per declared output, and the UI dict ({@code {"images":[...]}}) that becomes
 * an {@code executed} event and the history's {@code outputs}; {@code ui} is null when the node shows nothing.
 */
public record NodeResult(List<Object> outputs, ObjectNode ui) {
    public NodeResult {
        outputs = List.copyOf(outputs);
    }

    public static NodeResult of(Object... outputs) {
        return new NodeResult(List.of(outputs), null);
    }

    public static NodeResult ui(ObjectNode ui) {
        return new NodeResult(List.of(), ui);
    }
}
