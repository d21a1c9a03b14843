package io.comfyfleet.comfy.workflow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** One node type of the catalogue: its inputs by category, its outputs, and whether it is an output node. */
public final class NodeType {
    private final String name;
    private final String displayName;
    private final String category;
    private final Map<String, InputSpec> inputs;
    private final List<JsonNode> outputTypes;
    private final List<Boolean> outputIsList;
    private final List<String> outputNames;
    private final boolean outputNode;

    NodeType(String name, String displayName, String category, Map<String, InputSpec> inputs,
            List<JsonNode> outputTypes, List<Boolean> outputIsList, List<String> outputNames, boolean outputNode) {
        this.name = name;
        this.displayName = displayName;
        this.category = category;
        this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        this.outputTypes = List.copyOf(outputTypes);
        this.outputIsList = List.copyOf(outputIsList);
        this.outputNames = List.copyOf(outputNames);
        this.outputNode = outputNode;
    }

    public String name() {
        return name;
    }

    public String displayName() {
        return displayName;
    }

    public String category() {
        return category;
    }

    /** Every input, required first, then optional, then hidden, each in catalogue order. */
    public List<InputSpec> inputs() {
        return List.copyOf(inputs.values());
    }

    public List<InputSpec> inputs(InputCategory category) {
        return inputs.values().stream().filter(i -> i.category() == category).toList();
    }

    /** The input of that name; when a name appears in several categories, the first as ComfyUI looks it up. */
    public Optional<InputSpec> input(String inputName) {
        return Optional.ofNullable(inputs.get(inputName));
    }

    /** RETURN_TYPES: mostly strings ("MODEL", "IMAGE"); a node returning a combo type gives its option array. */
    public List<JsonNode> outputTypes() {
        return outputTypes.stream().map(JsonNode::deepCopy).toList();
    }

    public List<Boolean> outputIsList() {
        return outputIsList;
    }

    public List<String> outputNames() {
        return outputNames;
    }

    /** OUTPUT_NODE: ComfyUI executes a prompt by running its output nodes and what they need. */
    public boolean outputNode() {
        return outputNode;
    }

    List<JsonNode> rawOutputTypes() {
        return outputTypes;
    }

    @Override
    public String toString() {
        return "NodeType[" + name + "]";
    }
}
