package io.comfyfleet.comfy.workflow;

import io.comfyfleet.comfy.Json;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An immutable ComfyUI workflow in API format ("Save (API)" / "Export (API)"): node id to node, in the order the
 * document gave them (the order ComfyUI walks them in). Every link points at a node of the workflow and the links
 * have no cycle; this is checked when parsing.
 *
 * <p>Parsing accepts the bare graph and the envelopes {@code {"prompt": {...}}} (a /prompt body) and
 * {@code {"output": {...}}}. It rejects the UI/graph format with a {@link WorkflowFormatException} telling the user to
 * export with "Save (API)", and every other problem with a subclass of {@link InvalidWorkflowException} whose message
 * names the node and says what to change. It never throws anything else for any input.
 */
public final class Workflow {
    private final Map<String, WorkflowNode> nodes;

    private Workflow(Map<String, WorkflowNode> nodes) {
        this.nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
    }

    /**
     * Parses JSON text.
     *
     * @throws InvalidWorkflowException (a subclass of it) when the text is not a valid API-format workflow
     */
    public static Workflow parse(String json) {
        return parse(WorkflowParser.readTree(json));
    }

    /**
     * Parses UTF-8 JSON bytes.
     *
     * @throws InvalidWorkflowException (a subclass of it) when the bytes are not a valid API-format workflow
     */
    public static Workflow parse(byte[] json) {
        return parse(WorkflowParser.readTree(json));
    }

    /**
     * Reads a JSON tree; the tree is copied, later changes to it do not show.
     *
     * @throws InvalidWorkflowException (a subclass of it) when the tree is not a valid API-format workflow
     */
    public static Workflow parse(JsonNode json) {
        return new Workflow(WorkflowParser.parse(json));
    }

    /** Builds a workflow from nodes (their ids are the keys), with the same checks as parsing. */
    public static Workflow of(List<WorkflowNode> nodes) {
        Objects.requireNonNull(nodes, "nodes");
        Map<String, WorkflowNode> map = new LinkedHashMap<>();
        for (WorkflowNode n : nodes) {
            if (map.putIfAbsent(n.id(), n) != null) {
                throw new InvalidNodeException(n.id(), null, "node id " + Names.quote(n.id()) + " appears twice");
            }
        }
        return checked(map);
    }

    private static Workflow checked(Map<String, WorkflowNode> map) {
        if (map.isEmpty()) {
            throw new WorkflowSyntaxException("the workflow has no nodes");
        }
        for (WorkflowNode node : map.values()) {
            node.links().forEach((input, link) -> {
                if (!map.containsKey(link.nodeId())) {
                    throw new MissingLinkTargetException(node.id(), input, link.nodeId());
                }
            });
        }
        GraphOrder.requireAcyclic(map);
        return new Workflow(map);
    }

    /** The nodes in document order. */
    public List<WorkflowNode> nodes() {
        return List.copyOf(nodes.values());
    }

    /** The node ids in document order. */
    public Set<String> nodeIds() {
        return nodes.keySet();
    }

    public Optional<WorkflowNode> node(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    public int size() {
        return nodes.size();
    }

    /**
     * The API-format JSON ComfyUI's /prompt takes: {@code {id: {"inputs": {...}, "class_type": ..., "_meta":
     * {"title": ...}}}}. List literals are wrapped as {@code {"__value__": [...]}} so they stay literals.
     */
    public ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        for (WorkflowNode node : nodes.values()) {
            ObjectNode n = root.putObject(node.id());
            ObjectNode inputs = n.putObject("inputs");
            node.inputs().forEach((name, value) -> inputs.set(name, toJson(value)));
            n.put("class_type", node.classType());
            node.title().ifPresent(t -> n.putObject("_meta").put("title", t));
        }
        return root;
    }

    private static JsonNode toJson(InputValue value) {
        return switch (value) {
            case InputValue.Link link -> {
                ArrayNode a = Json.MAPPER.createArrayNode();
                a.add(link.nodeId());
                a.add(link.outputIndex());
                yield a;
            }
            case InputValue.Literal literal -> {
                JsonNode v = literal.value();
                if (v.isArray()) {
                    ObjectNode wrapped = Json.MAPPER.createObjectNode();
                    wrapped.set("__value__", v);
                    yield wrapped;
                }
                yield v;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Workflow w && nodes.equals(w.nodes);
    }

    @Override
    public int hashCode() {
        return nodes.hashCode();
    }

    @Override
    public String toString() {
        return "Workflow" + nodes.keySet();
    }

    Map<String, WorkflowNode> nodeMap() {
        return nodes;
    }

    static Workflow checkedCopy(Map<String, WorkflowNode> nodes) {
        return checked(nodes);
    }
}
