package io.comfyfleet.comfy.workflow;

import io.comfyfleet.common.json.Json;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
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
    private static final String CHECKPOINT_INPUT = "ckpt_name";

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

    /** The ids of the nodes whose type the catalogue marks as an output node, in document order. */
    public List<String> outputNodeIds(NodeCatalog catalog) {
        Objects.requireNonNull(catalog, "catalog");
        return nodes.values().stream()
                .filter(n -> catalog.type(n.classType()).map(NodeType::outputNode).orElse(false))
                .map(WorkflowNode::id).toList();
    }

    /**
     * The nodes the given nodes need, themselves included, each once and after every node it links to: an order
     * in which they can run. Walks the targets in the given order and each node's inputs in their order. Unknown
     * ids are ignored.
     */
    public List<WorkflowNode> nodesNeededFor(Collection<String> targetIds) {
        Objects.requireNonNull(targetIds, "targetIds");
        return GraphOrder.order(nodes, targetIds).stream().map(nodes::get).toList();
    }

    /** {@link #nodesNeededFor} the catalogue's output nodes: what ComfyUI would run, in a valid order. */
    public List<WorkflowNode> executionOrder(NodeCatalog catalog) {
        return nodesNeededFor(outputNodeIds(catalog));
    }

    /**
     * The checkpoint files the workflow loads: the literal values of every {@code ckpt_name} input
     * (CheckpointLoaderSimple and its relatives), in document order, each once.
     */
    public Set<String> checkpointNames() {
        Set<String> names = new LinkedHashSet<>();
        for (WorkflowNode node : nodes.values()) {
            if (node.input(CHECKPOINT_INPUT).orElse(null) instanceof InputValue.Literal literal
                    && literal.value().isString()) {
                names.add(literal.value().stringValue());
            }
        }
        return Collections.unmodifiableSet(names);
    }

    /**
     * A copy with one input of one node set (added or replaced), e.g. a seed, a prompt text or an uploaded file
     * name. Links are checked as when parsing.
     *
     * @throws InvalidNodeException       if there is no node with that id
     * @throws MissingLinkTargetException if the value links to a node that is not in the workflow
     * @throws WorkflowCycleException     if the new link closes a cycle
     */
    public Workflow withInput(String nodeId, String inputName, InputValue value) {
        Objects.requireNonNull(inputName, "inputName");
        Objects.requireNonNull(value, "value");
        WorkflowNode node = nodes.get(nodeId);
        if (node == null) {
            throw new InvalidNodeException(nodeId, inputName, "there is no node " + Names.quote(nodeId)
                    + " in the workflow to set input " + Names.quote(inputName) + " on; the node ids are "
                    + Names.shortJson(nodes.keySet()));
        }
        Map<String, WorkflowNode> copy = new LinkedHashMap<>(nodes);
        copy.put(nodeId, node.withInput(inputName, value));
        return checked(copy);
    }

    /** {@link #withInput(String, String, InputValue)} with a literal; a {@code {"__value__": ...}} is unwrapped. */
    public Workflow withInput(String nodeId, String inputName, JsonNode literal) {
        Objects.requireNonNull(literal, "literal");
        JsonNode v = literal.isObject() && literal.has("__value__") ? literal.get("__value__") : literal;
        return withInput(nodeId, inputName, new InputValue.Literal(v));
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
