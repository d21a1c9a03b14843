package io.comfyfleet.comfy.workflow;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.workflow.Traceback.Site;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ComfyUI 0.3.64's {@code validate_inputs}: validates one node and, recursively, the nodes it links to, caching
 * each result. Python exceptions are {@link PyError}s, caught where ComfyUI catches them. Works on a private copy
 * of the prompt, which it changes as ComfyUI does (unwrapped and converted values).
 */
final class NodeValidation {
    /**
     * Python's recursion limit (1000 frames, some used by the server) ends a chain of links this deep; the exact
     * depth varies with the server's own stack, so chains near it are approximate.
     */
    static final int MAX_LINK_DEPTH = 970;

    record Result(boolean valid, ArrayNode errors) {}

    private final ObjectNode prompt;
    private final NodeCatalog catalog;
    private final ValidationContext context;
    private final Map<String, Result> validated = new LinkedHashMap<>();
    private final Set<String> inProgress = new HashSet<>();

    NodeValidation(ObjectNode prompt, NodeCatalog catalog, ValidationContext context) {
        this.prompt = prompt;
        this.catalog = catalog;
        this.context = context;
    }

    Map<String, Result> validated() {
        return validated;
    }

    void markFailed(String nodeId, ArrayNode reasons) {
        validated.put(nodeId, new Result(false, reasons));
    }

    Result validate(String id, int depth) {
        Result cached = validated.get(id);
        if (cached != null) {
            return cached;
        }
        if (inProgress.contains(id) || depth > MAX_LINK_DEPTH) {
            // A cycle recurses until Python's limit; whichever frame catches the RecursionError reports it on a
            // node whose own, outer frame later overwrites that report. Raising here gives the same end state.
            throw new PyError("RecursionError", "maximum recursion depth exceeded");
        }
        inProgress.add(id);
        try {
            Result result = validateNode(id, depth);
            validated.put(id, result);
            return result;
        } finally {
            inProgress.remove(id);
        }
    }

    private Result validateNode(String id, int depth) {
        ObjectNode node = (ObjectNode) prompt.get(id);
        JsonNode inputs = node.get("inputs");
        if (inputs == null) {
            throw PyError.keyError("'inputs'").at(frame(Site.NODE_INPUTS));
        }
        String classType = node.get("class_type").stringValue();
        NodeType type = catalog.type(classType).orElseThrow();
        ArrayNode errors = Json.MAPPER.createArrayNode();
        boolean valid = true;
        Map<String, FileChecks.Check> fileChecks = FileChecks.of(type);
        Set<String> checkedByFunction = fileChecks.keySet();

        for (InputSpec spec : validInputs(type)) {
            String x = spec.name();
            boolean present;
            try {
                present = Py.contains(inputs, x);
            } catch (PyError e) {
                throw e.at(frame(Site.INPUT_PRESENT));
            }
            if (!present) {
                if (spec.category() == InputCategory.REQUIRED) {
                    ObjectNode extra = Json.MAPPER.createObjectNode().put("input_name", x);
                    errors.add(error("required_input_missing", "Required input is missing", x, extra));
                }
                continue;
            }
            JsonNode val;
            try {
                val = Py.getItem(inputs, x);
            } catch (PyError e) {
                throw e.at(frame(Site.INPUT_VALUE));
            }
            JsonNode info = spec.rawConfig();
            if (val.isArray()) {
                if (!checkLink(x, val, info, errors, depth)) {
                    valid = false;
                }
                continue;
            }
            checkLiteral((ObjectNode) inputs, spec, val, checkedByFunction.contains(x), errors);
        }
        if (!checkedByFunction.isEmpty()) {
            checkFiles(type, inputs, fileChecks, errors);
        }
        return errors.isEmpty() && valid ? new Result(true, errors) : new Result(false, errors);
    }

    /** required then optional: the inputs ComfyUI validates (hidden ones it fills itself). */
    private static List<InputSpec> validInputs(NodeType type) {
        List<InputSpec> inputs = new ArrayList<>(type.inputs(InputCategory.REQUIRED));
        inputs.addAll(type.inputs(InputCategory.OPTIONAL));
        return inputs;
    }

    /** @return false when the linked node (or something it needs) is invalid */
    private boolean checkLink(String x, JsonNode val, JsonNode info, ArrayNode errors, int depth) {
        if (val.size() != 2) {
            ObjectNode extra = Json.MAPPER.createObjectNode().put("input_name", x);
            extra.set("input_config", info.deepCopy());
            extra.set("received_value", val.deepCopy());
            errors.add(error("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                    x, extra));
            return true;
        }
        JsonNode linkedId = val.get(0);
        JsonNode linked;
        try {
            linked = Py.getItem(prompt, linkedId);
        } catch (PyError e) {
            throw e.at(frame(Site.LINKED_NODE));
        }
        String linkedKey = linkedId.stringValue();
        NodeType linkedType = catalog.type(linked.get("class_type").stringValue()).orElseThrow();
        JsonNode receivedType;
        try {
            List<JsonNode> returns = linkedType.rawOutputTypes();
            receivedType = returns.get(Py.index(returns.size(), val.get(1), "tuple"));
        } catch (PyError e) {
            throw e.at(frame(Site.LINKED_OUTPUT));
        }
        JsonNode inputType = info.get(0);
        if (!TypeMatch.matches(receivedType, inputType)) {
            ObjectNode extra = Json.MAPPER.createObjectNode().put("input_name", x);
            extra.set("input_config", info.deepCopy());
            extra.set("received_type", receivedType.deepCopy());
            extra.set("linked_node", val.deepCopy());
            errors.add(error("return_type_mismatch", "Return type mismatch between linked nodes",
                    x + ", received_type(" + Py.str(receivedType) + ") mismatch input_type(" + Py.str(inputType) + ")",
                    extra));
            return true;
        }
        try {
            return validate(linkedKey, depth + 1).valid();
        } catch (PyError e) {
            ObjectNode extra = Json.MAPPER.createObjectNode().put("input_name", x);
            extra.set("input_config", info.deepCopy());
            extra.put("exception_message", e.text());
            extra.put("exception_type", e.type());
            ArrayNode traceback = extra.putArray("traceback");
            traceback.add(frame(Site.INNER_VALIDATE));
            e.frames().forEach(traceback::add);
            extra.set("linked_node", val.deepCopy());
            ArrayNode reasons = Json.MAPPER.createArrayNode();
            reasons.add(error("exception_during_inner_validation", "Exception when validating inner node", e.text(),
                    extra));
            validated.put(linkedKey, new Result(false, reasons));
            return false;
        }
    }

    private void checkLiteral(ObjectNode inputs, InputSpec spec, JsonNode val, boolean checkedByFunction,
            ArrayNode errors) {
        String x = spec.name();
        JsonNode info = spec.rawConfig();
        JsonNode inputType = info.get(0);
        try {
            if (val.isObject() && val.has("__value__")) {
                val = val.get("__value__");
                inputs.set(x, val);
            }
            JsonNode converted = switch (inputType.isString() ? inputType.stringValue() : "") {
                case "INT" -> Py.toInt(val);
                case "FLOAT" -> Py.toFloat(val);
                case "STRING" -> Py.toStr(val);
                case "BOOLEAN" -> Py.toBool(val);
                default -> val;
            };
            if (converted != val) {
                val = converted;
                inputs.set(x, val);
            }
        } catch (PyError e) {
            ObjectNode extra = Json.MAPPER.createObjectNode().put("input_name", x);
            extra.set("input_config", info.deepCopy());
            extra.set("received_value", val.deepCopy());
            extra.put("exception_message", e.text());
            errors.add(error("invalid_input_type", "Failed to convert an input value to a " + Py.str(inputType)
                    + " value", x + ", " + Py.str(val) + ", " + e.text(), extra));
            return;
        }
        if (checkedByFunction) {
            return;
        }
        ObjectNode options = spec.rawOptions();
        JsonNode min = options.get("min");
        boolean below;
        try {
            below = min != null && Py.lt(val, min);
        } catch (PyError e) {
            throw e.at(frame(Site.MIN_CHECK));
        }
        if (below) {
            errors.add(error("value_smaller_than_min", "Value " + Py.str(val) + " smaller than min of " + Py.str(min),
                    x, valueExtra(x, info, val)));
            return;
        }
        JsonNode max = options.get("max");
        boolean above;
        try {
            above = max != null && Py.gt(val, max);
        } catch (PyError e) {
            throw e.at(frame(Site.MAX_CHECK));
        }
        if (above) {
            errors.add(error("value_bigger_than_max", "Value " + Py.str(val) + " bigger than max of " + Py.str(max),
                    x, valueExtra(x, info, val)));
            return;
        }
        if (inputType.isArray() && !Py.contains(inputType, val)) {
            boolean big = inputType.size() > 20;
            String listInfo = big ? "(list of length " + inputType.size() + ")" : Py.repr(inputType);
            ObjectNode extra = Json.MAPPER.createObjectNode().put("input_name", x);
            if (big) {
                extra.putNull("input_config");
            } else {
                extra.set("input_config", info.deepCopy());
            }
            extra.set("received_value", val.deepCopy());
            errors.add(error("value_not_in_list", "Value not in list", x + ": '" + Py.str(val) + "' not in " + listInfo,
                    extra));
        }
    }

    private static ObjectNode valueExtra(String x, JsonNode info, JsonNode val) {
        ObjectNode extra = Json.MAPPER.createObjectNode().put("input_name", x);
        extra.set("input_config", info.deepCopy());
        extra.set("received_value", val.deepCopy());
        return extra;
    }

    /**
     * The file-checking VALIDATE_INPUTS ({@link FileChecks}): {@code "Invalid image file: <name>"} unless the file
     * exists. ComfyUI
     * passes a linked value as None and calls the function without the argument when the input is missing; both
     * raise inside it.
     */
    private void checkFiles(NodeType type, JsonNode inputs, Map<String, FileChecks.Check> checks, ArrayNode errors) {
        Set<String> args = checks.keySet();
        if (inputs.isArray() || inputs.isString()) {
            // get_input_data does `for x in inputs: inputs[x]`, which fails on the first element or character
            try {
                if (inputs.isArray()) {
                    for (JsonNode element : inputs.values()) {
                        Py.getItem(inputs, element);
                    }
                } else if (!inputs.stringValue().isEmpty()) {
                    Py.getItem(inputs, inputs.stringValue().substring(0, 1));
                }
            } catch (PyError e) {
                throw e.at(Traceback.getInputData(context.comfyRoot())).at(frame(Site.CUSTOM_INPUTS));
            }
        }
        Map<String, JsonNode> filtered = new LinkedHashMap<>();
        if (inputs.isObject()) {
            for (Map.Entry<String, JsonNode> e : inputs.properties()) {
                if (args.contains(e.getKey())) {
                    filtered.put(e.getKey(), TypeMatch.isLink(e.getValue()) ? Json.MAPPER.nullNode() : e.getValue());
                }
            }
        }
        List<String> callFrames = new ArrayList<>();
        callFrames.add(frame(Site.CUSTOM_CALL));
        callFrames.addAll(Traceback.customCall(context.comfyRoot(), filtered.isEmpty()));
        for (String arg : args) {
            if (!filtered.containsKey(arg)) {
                throw PyError.typeError(checks.get(arg).function() + "() missing 1 required positional argument: '"
                        + arg + "'").at(callFrames);
            }
        }
        for (Map.Entry<String, JsonNode> e : filtered.entrySet()) {
            String kind = checks.get(e.getKey()).kind();
            JsonNode value = e.getValue();
            if (!value.isString()) {
                List<String> frames = new ArrayList<>(callFrames);
                frames.addAll(Traceback.fileCheck(context.comfyRoot(), "nodes.py", e.getKey()));
                throw new PyError("AttributeError", "'" + Py.typeName(value) + "' object has no attribute 'endswith'")
                        .at(frames);
            }
            if (!InputFiles.exists(context, type.input(e.getKey()).orElseThrow(), value.stringValue())) {
                for (String x : filtered.keySet()) {
                    ObjectNode extra = Json.MAPPER.createObjectNode().put("input_name", x);
                    errors.add(error("custom_validation_failed", "Custom validation failed for node",
                            x + " - Invalid " + kind + " file: " + value.stringValue(), extra));
                }
            }
        }
    }

    private String frame(Site site) {
        return Traceback.frame(context.comfyRoot(), site);
    }

    static ObjectNode error(String type, String message, String details, ObjectNode extraInfo) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.put("type", type);
        e.put("message", message);
        e.put("details", details);
        e.set("extra_info", extraInfo);
        return e;
    }
}
