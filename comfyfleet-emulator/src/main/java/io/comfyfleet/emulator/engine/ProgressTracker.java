package io.comfyfleet.emulator.engine;

import io.comfyfleet.common.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * ComfyUI 0.3.64's progress registry for one prompt: every node that left "pending" with its value, max and
 * state, sent whole as {@code progress_state} on each start, update and finish.
 */
final class ProgressTracker {
    private record State(Number value, Number max, String state) {}

    private final String promptId;
    private final Map<String, State> nodes = new LinkedHashMap<>();

    ProgressTracker(String promptId) {
        this.promptId = promptId;
    }

    ObjectNode start(String nodeId) {
        nodes.put(nodeId, new State(0.0, 1.0, "running"));
        return message();
    }

    ObjectNode update(String nodeId, int value, int max) {
        nodes.put(nodeId, new State(value, max, "running"));
        return message();
    }

    /** A finished node shows value = max; a cached output node that never started shows 1/1. */
    ObjectNode finish(String nodeId) {
        State current = nodes.get(nodeId);
        Number max = current == null ? Integer.valueOf(1) : current.max;
        nodes.put(nodeId, new State(max, max, "finished"));
        return message();
    }

    private ObjectNode message() {
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("prompt_id", promptId);
        ObjectNode all = data.putObject("nodes");
        nodes.forEach((id, state) -> {
            ObjectNode node = all.putObject(id);
            putNumber(node, "value", state.value);
            putNumber(node, "max", state.max);
            node.put("state", state.state);
            node.put("node_id", id);
            node.put("prompt_id", promptId);
            node.put("display_node_id", id);
            node.putNull("parent_node_id");
            node.put("real_node_id", id);
        });
        return data;
    }

    private static void putNumber(ObjectNode node, String name, Number value) {
        if (value instanceof Double d) {
            node.put(name, d);
        } else {
            node.put(name, value.intValue());
        }
    }
}
