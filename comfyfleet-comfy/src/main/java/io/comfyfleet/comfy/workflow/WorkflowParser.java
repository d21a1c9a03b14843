package io.comfyfleet.comfy.workflow;

import io.comfyfleet.common.json.Json;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;

/** Reads an API-format workflow strictly: every problem becomes a typed exception that says what to change. */
final class WorkflowParser {
    /** Deeper than this is no workflow anyone exported; it also keeps copying and hashing off the stack's edge. */
    static final int MAX_DEPTH = 400;

    private static final Set<String> UI_KEYS = Set.of("last_node_id", "last_link_id", "links", "groups", "version",
            "nodes", "state", "definitions", "extra", "config");

    private WorkflowParser() {}

    static JsonNode readTree(String text) {
        if (text == null) {
            throw new WorkflowSyntaxException("no workflow given: expected a JSON object in ComfyUI API format");
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw notJson(e);
        }
    }

    static JsonNode readTree(byte[] bytes) {
        if (bytes == null) {
            throw new WorkflowSyntaxException("no workflow given: expected a JSON object in ComfyUI API format");
        }
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw notJson(e);
        }
    }

    private static WorkflowSyntaxException notJson(JacksonException e) {
        TokenStreamLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new WorkflowSyntaxException("the workflow is not valid JSON" + where + ": " + e.getOriginalMessage()
                + "; send the file ComfyUI writes with \"Save (API)\" / \"Export (API)\"", e);
    }

    static Map<String, WorkflowNode> parse(JsonNode root) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new WorkflowSyntaxException("no workflow given: expected a JSON object in ComfyUI API format");
        }
        checkDepth(root);
        JsonNode graph = unwrapEnvelope(root);
        if (!graph.isObject()) {
            throw new WorkflowSyntaxException("the workflow must be a JSON object mapping node ids to nodes, got "
                    + kind(graph) + "; send the file ComfyUI writes with \"Save (API)\" / \"Export (API)\"");
        }
        rejectUiFormat(graph);
        if (graph.isEmpty()) {
            throw new WorkflowSyntaxException("the workflow has no nodes; export it from ComfyUI with \"Save (API)\"");
        }
        Map<String, WorkflowNode> nodes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : graph.properties()) {
            nodes.put(e.getKey(), node(e.getKey(), e.getValue()));
        }
        checkLinkTargets(nodes);
        GraphOrder.requireAcyclic(nodes);
        return nodes;
    }

    /** {@code {"prompt": {...}}} (a /prompt body) and {@code {"output": {...}}} (frontend graphToPrompt) wrap a graph. */
    private static JsonNode unwrapEnvelope(JsonNode root) {
        if (root.isObject()) {
            for (String key : new String[] {"prompt", "output"}) {
                JsonNode inner = root.get(key);
                if (inner != null && inner.isObject() && !inner.has("class_type")) {
                    return inner;
                }
            }
        }
        return root;
    }

    private static void rejectUiFormat(JsonNode graph) {
        JsonNode nodes = graph.get("nodes");
        boolean ui = nodes != null && nodes.isArray();
        if (!ui) {
            // A UI file whose nodes array was lost still has its other top-level keys, none of which is a node.
            long uiKeys = graph.propertyNames().stream().filter(UI_KEYS::contains).count();
            boolean anyNode = graph.values().stream().anyMatch(v -> v.isObject() && v.has("class_type"));
            ui = uiKeys >= 2 && !anyNode;
        }
        if (ui) {
            throw new WorkflowFormatException("this is a ComfyUI UI/graph workflow (the \"Save\" file with a \"nodes\""
                    + " array and \"links\"), which ComfyUI cannot execute; in ComfyUI open the workflow and export"
                    + " it with \"Save (API)\" / \"Export (API)\" (Workflow menu), then send that file instead");
        }
    }

    private static WorkflowNode node(String id, JsonNode value) {
        if (!value.isObject()) {
            throw new InvalidNodeException(id, null, "node " + Names.quote(id) + " must be a JSON object with"
                    + " \"class_type\" and \"inputs\", got " + kind(value)
                    + "; the workflow must be in API format (\"Save (API)\" in ComfyUI)");
        }
        JsonNode classType = value.get("class_type");
        if (classType == null || classType.isNull()) {
            throw new InvalidNodeException(id, null, "node " + Names.quote(id) + " has no \"class_type\"; set it to"
                    + " the node type, e.g. \"KSampler\" (ComfyUI's \"Save (API)\" writes it for every node)");
        }
        if (!classType.isString() || classType.stringValue().isBlank()) {
            throw new InvalidNodeException(id, null, "node " + Names.quote(id) + " has \"class_type\" "
                    + Names.shortJson(classType) + "; it must be a non-empty string naming the node type, e.g."
                    + " \"KSampler\"");
        }
        JsonNode inputs = value.get("inputs");
        if (inputs == null) {
            throw new InvalidNodeException(id, null, "node " + Names.quote(id) + " (" + classType.stringValue()
                    + ") has no \"inputs\"; add \"inputs\": {} (ComfyUI fails on a node without it)");
        }
        if (!inputs.isObject()) {
            throw new InvalidNodeException(id, null, "node " + Names.quote(id) + " (" + classType.stringValue()
                    + ") has \"inputs\" of type " + kind(inputs) + "; it must be an object mapping input names to"
                    + " values or links");
        }
        Map<String, InputValue> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> in : inputs.properties()) {
            values.put(in.getKey(), inputValue(id, in.getKey(), in.getValue()));
        }
        return new WorkflowNode(id, classType.stringValue(), values, title(value));
    }

    private static Optional<String> title(JsonNode node) {
        JsonNode meta = node.get("_meta");
        JsonNode title = meta == null ? null : meta.get("title");
        return title != null && title.isString() ? Optional.of(title.stringValue()) : Optional.empty();
    }

    static InputValue inputValue(String nodeId, String input, JsonNode v) {
        if (v.isArray()) {
            return link(nodeId, input, v);
        }
        if (v.isObject() && v.has("__value__")) {
            // The frontend wraps list-valued widgets so they are not mistaken for links (ComfyUI >= 0.3.26).
            return new InputValue.Literal(v.get("__value__"));
        }
        return new InputValue.Literal(v);
    }

    private static InputValue.Link link(String nodeId, String input, JsonNode v) {
        String where = "node " + Names.quote(nodeId) + " input " + Names.quote(input);
        if (v.size() != 2) {
            throw new InvalidNodeException(nodeId, input, where + " is a list of " + v.size() + " items; a link must"
                    + " be [\"<source node id>\", <output index>], and a list value must be wrapped as"
                    + " {\"__value__\": [...]}");
        }
        JsonNode source = v.get(0);
        JsonNode slot = v.get(1);
        if (!source.isString()) {
            String hint = source.isNumber() ? "; write the node id as a string: [\"" + Names.shortJson(source) + "\", "
                    + Names.shortJson(slot) + "]" : "";
            throw new InvalidNodeException(nodeId, input, where + " links with node id " + Names.shortJson(source)
                    + ", which is not a string" + hint);
        }
        if (!slot.isIntegralNumber() || slot.bigIntegerValue().signum() < 0
                || slot.bigIntegerValue().compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
            throw new InvalidNodeException(nodeId, input, where + " links to output " + Names.shortJson(slot)
                    + " of node " + Names.quote(source.stringValue()) + "; the output index must be a whole number"
                    + " >= 0 (0 is the first output)");
        }
        return new InputValue.Link(source.stringValue(), slot.intValue());
    }

    private static void checkLinkTargets(Map<String, WorkflowNode> nodes) {
        for (WorkflowNode node : nodes.values()) {
            node.links().forEach((input, link) -> {
                if (!nodes.containsKey(link.nodeId())) {
                    throw new MissingLinkTargetException(node.id(), input, link.nodeId());
                }
            });
        }
    }

    /** Iterative, so a hostile document nested thousands deep gets an error rather than a StackOverflowError. */
    private static void checkDepth(JsonNode root) {
        Deque<JsonNode> level = new ArrayDeque<>();
        level.add(root);
        int depth = 0;
        while (!level.isEmpty()) {
            if (++depth > MAX_DEPTH) {
                throw new WorkflowSyntaxException("the workflow is nested more than " + MAX_DEPTH
                        + " levels deep; no exported ComfyUI workflow is, check what produced it");
            }
            Deque<JsonNode> next = new ArrayDeque<>();
            for (JsonNode n : level) {
                for (JsonNode child : n.values()) {
                    if (child.isContainer()) {
                        next.add(child);
                    }
                }
            }
            level = next;
        }
    }

    static String kind(JsonNode v) {
        if (v.isArray()) {
            return "an array";
        }
        if (v.isString()) {
            return "a string";
        }
        if (v.isNumber()) {
            return "a number";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isNull()) {
            return "null";
        }
        return v.isObject() ? "an object" : "a " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
