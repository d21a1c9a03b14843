package io.comfyfleet.comfy.workflow;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.workflow.Traceback.Site;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ComfyUI 0.3.64's {@code validate_prompt} and the POST /prompt handler around it. Python sets make two orders
 * random in ComfyUI (the outputs, and the inputs of a node); here both follow the prompt's and the catalogue's
 * order, so results are deterministic and equal to ComfyUI's up to those orders.
 */
final class PromptValidation {
    /** Python's json.loads gives up (RecursionError, so HTTP 500) on documents about this deep. */
    static final int MAX_JSON_DEPTH = 980;

    private final NodeCatalog catalog;
    private final ValidationContext context;

    PromptValidation(NodeCatalog catalog, ValidationContext context) {
        this.catalog = catalog;
        this.context = context;
    }

    /**
     * The handler's steps around validate_prompt that can change the answer: {@code float(number)} before it,
     * the {@code prompt} lookup, and merging {@code client_id} into {@code extra_data} after it (which crashes,
     * whatever the validation said, when extra_data is no dict).
     */
    PromptCheck request(JsonNode body) {
        if (body == null || body.isMissingNode() || tooDeep(body)) {
            return crash(body, new PyError("JSONDecodeError", "the request body is not JSON ComfyUI can read"));
        }
        try {
            if (Py.contains(body, "number")) {
                Py.toFloat(Py.getItem(body, "number"));
            }
            if (!Py.contains(body, "prompt")) {
                return noPrompt(body);
            }
            JsonNode prompt = Py.getItem(body, "prompt");
            ValidationContext ctx = context;
            if (body.isObject() && body.has("partial_execution_targets")) {
                ctx = ctx.withPartialExecutionTargets(body.get("partial_execution_targets"));
            }
            PromptCheck check = new PromptValidation(catalog, ctx).prompt(prompt);
            if (check.httpStatus() != 500 && body.has("client_id") && body.has("extra_data")
                    && !body.get("extra_data").isObject()) {
                JsonNode extra = body.get("extra_data");
                throw PyError.typeError(extra.isArray() ? "list indices must be integers or slices, not str"
                        : "'" + Py.typeName(extra) + "' object does not support item assignment");
            }
            return check;
        } catch (PyError e) {
            return crash(body, e);
        }
    }

    private PromptCheck noPrompt(JsonNode body) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.put("type", "no_prompt");
        error.put("message", "No prompt provided");
        error.put("details", "No prompt provided");
        error.putObject("extra_info");
        return new PromptCheck(400, error, Json.MAPPER.createObjectNode(), List.of(), Json.MAPPER.nullNode(), null,
                new Problems(body, catalog));
    }

    PromptCheck prompt(JsonNode original) {
        JsonNode input = original == null || original.isMissingNode() ? Json.MAPPER.nullNode() : original;
        if (tooDeep(input)) {
            return crash(input, new PyError("RecursionError", "maximum recursion depth exceeded while decoding"));
        }
        JsonNode prompt = input.deepCopy();
        try {
            return validate(prompt, input);
        } catch (PyError e) {
            return crash(input, e);
        }
    }

    private PromptCheck validate(JsonNode prompt, JsonNode original) {
        Problems problems = new Problems(original, catalog);
        List<String> outputs = new ArrayList<>();
        for (Map.Entry<JsonNode, JsonNode> node : entries(prompt)) {
            String id = Py.str(node.getKey());
            JsonNode value = node.getValue();
            if (!Py.contains(value, "class_type")) {
                return early(prompt, problems, "Cannot execute because a node is missing the class_type property.", id);
            }
            JsonNode classType = Py.getItem(value, "class_type");
            Py.requireHashable(classType);
            NodeType type = classType.isString() ? catalog.type(classType.stringValue()).orElse(null) : null;
            if (type == null) {
                return early(prompt, problems, "Cannot execute because node " + Py.str(classType) + " does not exist.",
                        id);
            }
            if (type.outputNode() && isTarget(node.getKey())) {
                outputs.add(id);
            }
        }
        if (outputs.isEmpty()) {
            ObjectNode error = topError("prompt_no_outputs", "Prompt has no outputs", "");
            return new PromptCheck(400, error, Json.MAPPER.createObjectNode(), List.of(), prompt, null, problems);
        }
        return validateOutputs((ObjectNode) prompt, outputs, problems);
    }

    private boolean isTarget(JsonNode id) {
        return context.partialExecutionTargets().map(targets -> Py.contains(targets, id)).orElse(true);
    }

    private PromptCheck validateOutputs(ObjectNode prompt, List<String> outputs, Problems problems) {
        NodeValidation nodes = new NodeValidation(prompt, catalog, context);
        List<String> good = new ArrayList<>();
        List<JsonNode> outputReasons = new ArrayList<>();
        ObjectNode nodeErrors = Json.MAPPER.createObjectNode();
        for (String o : outputs) {
            boolean valid;
            ArrayNode reasons;
            try {
                NodeValidation.Result m = nodes.validate(o, 1);
                valid = m.valid();
                reasons = m.errors();
            } catch (PyError e) {
                valid = false;
                reasons = Json.MAPPER.createArrayNode();
                ObjectNode extra = Json.MAPPER.createObjectNode();
                extra.put("exception_type", e.type());
                ArrayNode traceback = extra.putArray("traceback");
                traceback.add(Traceback.frame(context.comfyRoot(), Site.VALIDATE_PROMPT));
                e.frames().forEach(traceback::add);
                reasons.add(NodeValidation.error("exception_during_validation", "Exception when validating node",
                        e.text(), extra));
                nodes.markFailed(o, reasons);
            }
            if (valid) {
                good.add(o);
                continue;
            }
            outputReasons.addAll(reasons.valueStream().toList());
            // As in ComfyUI: every failed node validated so far counts this output as dependent, even when it is
            // upstream of another output only.
            for (Map.Entry<String, NodeValidation.Result> e : nodes.validated().entrySet()) {
                NodeValidation.Result result = e.getValue();
                if (result.valid() || result.errors().isEmpty()) {
                    continue;
                }
                ObjectNode entry = (ObjectNode) nodeErrors.get(e.getKey());
                if (entry == null) {
                    entry = nodeErrors.putObject(e.getKey());
                    entry.set("errors", result.errors());
                    entry.putArray("dependent_outputs");
                    entry.set("class_type", prompt.get(e.getKey()).get("class_type"));
                }
                ((ArrayNode) entry.get("dependent_outputs")).add(o);
            }
        }
        if (good.isEmpty()) {
            List<String> lines = new ArrayList<>();
            for (JsonNode r : outputReasons) {
                lines.add(r.path("message").asString() + ": " + r.path("details").asString());
            }
            ObjectNode error = topError("prompt_outputs_failed_validation", "Prompt outputs failed validation",
                    String.join("\n", lines));
            return new PromptCheck(400, error, nodeErrors.deepCopy(), List.of(), prompt, null, problems);
        }
        return new PromptCheck(200, null, nodeErrors.deepCopy(), good, prompt, null, problems);
    }

    private PromptCheck early(JsonNode prompt, Problems problems, String message, String id) {
        ObjectNode error = topError("invalid_prompt", message, "Node ID '#" + id + "'");
        return new PromptCheck(400, error, Json.MAPPER.createObjectNode(), List.of(), prompt, null, problems);
    }

    private PromptCheck crash(JsonNode original, PyError e) {
        return new PromptCheck(500, null, Json.MAPPER.createObjectNode(), List.of(),
                original == null ? Json.MAPPER.nullNode() : original, e.toString(), new Problems(original, catalog));
    }

    private static ObjectNode topError(String type, String message, String details) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.put("type", type);
        error.put("message", message);
        error.put("details", details);
        error.putObject("extra_info");
        return error;
    }

    /**
     * Python's {@code for x in prompt: prompt[x]}: a dict gives its keys; a list gives its elements, used as
     * indexes (one at a time, so the first bad element decides); a string its characters; anything else is not
     * iterable.
     */
    private static Iterable<Map.Entry<JsonNode, JsonNode>> entries(JsonNode prompt) {
        if (prompt.isObject()) {
            List<Map.Entry<JsonNode, JsonNode>> out = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : prompt.properties()) {
                out.add(Map.entry(Json.MAPPER.getNodeFactory().stringNode(e.getKey()), e.getValue()));
            }
            return out;
        }
        if (prompt.isString()) {
            String s = prompt.stringValue();
            if (!s.isEmpty()) {
                Py.getItem(prompt, s.substring(0, s.offsetByCodePoints(0, 1)));
            }
            return List.of();
        }
        if (!prompt.isArray()) {
            throw PyError.typeError("'" + Py.typeName(prompt) + "' object is not iterable");
        }
        return () -> new Iterator<>() {
            private final Iterator<JsonNode> elements = prompt.values().iterator();

            @Override
            public boolean hasNext() {
                return elements.hasNext();
            }

            @Override
            public Map.Entry<JsonNode, JsonNode> next() {
                JsonNode element = elements.next();
                return Map.entry(element, Py.getItem(prompt, element));
            }
        };
    }

    private static boolean tooDeep(JsonNode root) {
        Deque<JsonNode> level = new ArrayDeque<>();
        level.add(root);
        int depth = 0;
        while (!level.isEmpty()) {
            if (++depth > MAX_JSON_DEPTH) {
                return true;
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
        return false;
    }
}
