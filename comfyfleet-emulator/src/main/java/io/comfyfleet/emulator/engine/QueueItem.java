package io.comfyfleet.emulator.engine;

import io.comfyfleet.common.json.Json;
import java.util.Comparator;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One queued prompt, ComfyUI's tuple {@code [number, prompt_id, prompt, extra_data, outputs_to_execute]}.
 * {@code number} is a Long from the server counter or a Double when the client sent one, as in Python.
 */
public record QueueItem(Number number, String promptId, ObjectNode prompt, ObjectNode extraData, List<String> outputs) {

    /** Python's heap order on the tuple: number, then prompt_id. */
    static final Comparator<QueueItem> HEAP_ORDER = Comparator
            .comparingDouble((QueueItem item) -> item.number.doubleValue())
            .thenComparing(QueueItem::promptId);

    public QueueItem {
        outputs = List.copyOf(outputs);
    }

    /** The client that receives this prompt's events, or null (then most events are not sent at all). */
    public String clientId() {
        JsonNode id = extraData.get("client_id");
        return id == null || id.isNull() ? null : id.asString();
    }

    public ArrayNode toJson() {
        ArrayNode tuple = Json.MAPPER.createArrayNode();
        if (number instanceof Double d) {
            tuple.add(d);
        } else {
            tuple.add(number.longValue());
        }
        tuple.add(promptId);
        tuple.add(prompt);
        tuple.add(extraData);
        ArrayNode outs = tuple.addArray();
        outputs.forEach(outs::add);
        return tuple;
    }
}
