package io.comfyfleet.gateway.templates;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.Json;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an operator registers: a workflow in ComfyUI's API format and the parameters it exposes, each bound to one
 * literal input of one node. As JSON:
 *
 * <pre>{@code
 * {"description": "...", "workflow": {"3": {"class_type": "KSampler", "inputs": {"seed": 5, ...}}, ...},
 *  "params": {"seed": {"node": "3", "input": "seed", "required": false, "description": "..."}}}
 * }</pre>
 *
 * A parameter's default is the workflow's own value at that input; {@code required} (default false) makes a client
 * send it. {@link #parse} checks the shape only; the schemas come from the node catalogue ({@link ParamSchemas}).
 */
record TemplateDefinition(String description, ObjectNode workflow, Map<String, Param> params) {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    static final int MAX_PARAMS = 64;
    static final int MAX_DESCRIPTION = 2_000;

    /** One exposed input: node {@code node}'s input {@code input}. */
    record Param(String node, String input, boolean required, String description) {}

    /**
     * Checks a definition's shape: a workflow object of nodes with {@code class_type} and {@code inputs}, and
     * parameters with valid names, each bound to a literal value (not a link) of a node in the workflow, no two
     * to the same input.
     *
     * @throws InvalidRequestException naming the field and what to change
     */
    static TemplateDefinition parse(JsonNode definition) {
        if (definition == null || !definition.isObject()) {
            throw bad("the template must be a JSON object with \"workflow\" and \"params\"");
        }
        for (String key : definition.propertyNames()) {
            if (!Set.of("description", "workflow", "params").contains(key)) {
                throw bad("unknown key \"" + Texts.abbreviate(key) + "\"; a template has description, workflow and"
                        + " params");
            }
        }
        JsonNode workflow = definition.get("workflow");
        if (workflow == null || !workflow.isObject() || workflow.isEmpty()) {
            throw bad("\"workflow\" must be a workflow in ComfyUI's API format (an object of nodes by id), as"
                    + " ComfyUI's \"Export (API)\" saves it");
        }
        for (String id : workflow.propertyNames()) {
            JsonNode node = workflow.get(id);
            if (!node.isObject() || !node.path("class_type").isString() || !node.path("inputs").isObject()) {
                throw bad("workflow node \"" + Texts.abbreviate(id) + "\" needs \"class_type\" (text) and \"inputs\""
                        + " (an object); is the workflow in API format?");
            }
        }
        String description = text(definition.get("description"), "description");
        return new TemplateDefinition(description, (ObjectNode) workflow, params(definition.get("params"), workflow));
    }

    private static Map<String, Param> params(JsonNode params, JsonNode workflow) {
        if (params == null || !params.isObject() || params.isEmpty()) {
            throw bad("\"params\" must be an object naming at least one parameter, like"
                    + " {\"prompt\": {\"node\": \"6\", \"input\": \"text\"}}");
        }
        if (params.size() > MAX_PARAMS) {
            throw bad("a template exposes at most " + MAX_PARAMS + " parameters, got " + params.size());
        }
        Map<String, Param> result = new LinkedHashMap<>();
        Map<String, String> bound = new HashMap<>(); // node and input -> the parameter bound to it
        for (String name : params.propertyNames()) {
            if (!PARAM_NAME.matcher(name).matches()) {
                throw bad("parameter name \"" + Texts.abbreviate(name) + "\" must be 1 to 64 letters, digits or '_',"
                        + " not starting with a digit");
            }
            Param param = param(name, params.get(name), workflow);
            String earlier = bound.putIfAbsent(param.node() + '\u0000' + param.input(), name);
            if (earlier != null) {
                throw bad("parameters \"" + earlier + "\" and \"" + name + "\" both set node " + param.node() + " input "
                        + param.input() + "; bind each input once");
            }
            result.put(name, param);
        }
        return result;
    }

    private static Param param(String name, JsonNode spec, JsonNode workflow) {
        String where = "params." + name;
        if (!spec.isObject()) {
            throw bad(where + " must be an object like {\"node\": \"6\", \"input\": \"text\"}");
        }
        for (String key : spec.propertyNames()) {
            if (!Set.of("node", "input", "required", "description").contains(key)) {
                throw bad(where + " has unknown key \"" + Texts.abbreviate(key) + "\"; known: node, input, required,"
                        + " description");
            }
        }
        JsonNode nodeId = spec.get("node");
        String node = nodeId != null && nodeId.isIntegralNumber() ? nodeId.asString() : text(nodeId, where + ".node");
        String input = text(spec.get("input"), where + ".input");
        if (node == null || input == null) {
            throw bad(where + " needs \"node\" (a node id of the workflow) and \"input\" (one of that node's inputs)");
        }
        JsonNode target = workflow.get(node);
        if (target == null) {
            throw bad(where + ".node: the workflow has no node \"" + Texts.abbreviate(node) + "\"; its nodes are "
                    + Texts.list(workflow.propertyNames()));
        }
        JsonNode value = target.get("inputs").get(input);
        if (value == null) {
            throw bad(where + ".input: node " + node + " (" + target.get("class_type").asString() + ") has no input \""
                    + Texts.abbreviate(input) + "\" in the workflow; its inputs are "
                    + Texts.list(target.get("inputs").propertyNames()));
        }
        if (!value.isValueNode() || value.isNull()) {
            throw bad(where + ": node " + node + " input " + input + " is a link to another node, not a value;"
                    + " a parameter replaces a value such as a text, number or file name");
        }
        JsonNode required = spec.get("required");
        if (required != null && !required.isBoolean()) {
            throw bad(where + ".required must be true or false");
        }
        return new Param(node, input, required != null && required.booleanValue(),
                text(spec.get("description"), where + ".description"));
    }

    private static String text(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw bad(field + " must be text");
        }
        if (node.stringValue().length() > MAX_DESCRIPTION) {
            throw bad(field + " is longer than " + MAX_DESCRIPTION + " characters");
        }
        return node.stringValue();
    }

    /** The value the workflow holds where the parameter goes: its default. */
    JsonNode literal(Param param) {
        return workflow.get(param.node()).get("inputs").get(param.input());
    }

    String classType(Param param) {
        return workflow.get(param.node()).get("class_type").stringValue();
    }

    ObjectNode toJson() {
        ObjectNode root = Json.mapper().createObjectNode();
        if (description != null) {
            root.put("description", description);
        }
        root.set("workflow", workflow);
        ObjectNode ps = root.putObject("params");
        params.forEach((name, p) -> {
            ObjectNode o = ps.putObject(name).put("node", p.node()).put("input", p.input()).put("required", p.required());
            if (p.description() != null) {
                o.put("description", p.description());
            }
        });
        return root;
    }

    private static InvalidRequestException bad(String message) {
        return new InvalidRequestException(message);
    }
}
