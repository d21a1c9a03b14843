package io.comfyfleet.emulator.nodes;

import io.comfyfleet.common.json.Json;
import tools.jackson.databind.node.ObjectNode;

/** PreviewAny: shows its input as text, the {@code {"text": ["..."]}} UI output kind. */
final class PreviewAnyNode implements NodeBehavior {
    @Override
    public NodeResult run(NodeCall call) {
        Object source = call.input("source");
        String text = switch (source) {
            case null -> "None";
            case String s -> s;
            case Number n -> String.valueOf(n);
            case Boolean b -> b ? "True" : "False";
            default -> String.valueOf(source);
        };
        ObjectNode ui = Json.MAPPER.createObjectNode();
        ui.putArray("text").add(text);
        call.spend(call.services().timing().otherNode());
        return NodeResult.ui(ui);
    }
}
