package io.comfyfleet.comfy.workflow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The node types one ComfyUI offers, read from its GET /object_info body. Immutable and thread-safe; build it once
 * per ComfyUI (model lists are part of it: combos list the files ComfyUI saw when it answered).
 */
public final class NodeCatalog {
    private final Map<String, NodeType> types;

    private NodeCatalog(Map<String, NodeType> types) {
        this.types = Collections.unmodifiableMap(types);
    }

    /**
     * Reads an /object_info body: {@code {class_name: {input: {required, optional, hidden}, output, output_is_list,
     * output_name, output_node, ...}}}. Entries that are not objects are skipped (no ComfyUI sends them); missing
     * parts read as empty.
     *
     * @throws InvalidCatalogException if the body is not a JSON object
     */
    public static NodeCatalog fromObjectInfo(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidCatalogException("an /object_info body must be a JSON object of node types, got "
                    + (body == null ? "nothing" : WorkflowParser.kind(body)));
        }
        Map<String, NodeType> types = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (e.getValue().isObject()) {
                types.put(e.getKey(), nodeType(e.getKey(), e.getValue()));
            }
        }
        return new NodeCatalog(types);
    }

    private static NodeType nodeType(String name, JsonNode info) {
        Map<String, InputSpec> inputs = new LinkedHashMap<>();
        JsonNode input = info.path("input");
        for (InputCategory category : InputCategory.values()) {
            JsonNode group = input.path(category.key());
            if (group.isObject()) {
                for (Map.Entry<String, JsonNode> in : group.properties()) {
                    inputs.putIfAbsent(in.getKey(), new InputSpec(in.getKey(), category, in.getValue()));
                }
            }
        }
        List<JsonNode> outputs = new ArrayList<>();
        info.path("output").values().forEach(v -> outputs.add(v.deepCopy()));
        List<Boolean> isList = new ArrayList<>();
        info.path("output_is_list").values().forEach(v -> isList.add(v.asBoolean(false)));
        List<String> outputNames = new ArrayList<>();
        info.path("output_name").values().forEach(v -> outputNames.add(v.asString(v.toString())));
        return new NodeType(name, info.path("display_name").asString(name), info.path("category").asString(""),
                inputs, outputs, isList, outputNames, info.path("output_node").asBoolean(false));
    }

    public Optional<NodeType> type(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(types.get(name));
    }

    public boolean contains(String name) {
        return name != null && types.containsKey(name);
    }

    /** Node type names in catalogue order. */
    public Set<String> typeNames() {
        return types.keySet();
    }

    public int size() {
        return types.size();
    }

    @Override
    public String toString() {
        return "NodeCatalog[" + types.size() + " node types]";
    }
}
