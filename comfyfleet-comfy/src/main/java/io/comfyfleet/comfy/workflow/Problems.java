package io.comfyfleet.comfy.workflow;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a {@link PromptCheck} into sentences a workflow author can act on. ComfyUI stops at the first unknown node;
 * this lists them all, because a user installing custom nodes wants the whole list at once.
 */
final class Problems {
    private static final int SHOWN_OPTIONS = 12;

    private final JsonNode original;
    private final NodeCatalog catalog;

    Problems(JsonNode original, NodeCatalog catalog) {
        this.original = original;
        this.catalog = catalog;
    }

    String describe(PromptCheck check) {
        List<String> lines = new ArrayList<>();
        if (check.httpStatus() == 500) {
            lines.add(crash(check));
            return String.join("\n", lines);
        }
        String type = check.error().map(e -> e.path("type").asString()).orElse("");
        switch (type) {
            case "no_prompt" -> lines.add("The request has no \"prompt\": send the workflow (API format) in it.");
            case "invalid_prompt" -> lines.addAll(graphProblems());
            case "prompt_no_outputs" -> lines.add("The workflow has no output node (such as SaveImage or PreviewImage)"
                    + (check.prompt().isObject() && !check.prompt().isEmpty() ? "" : ", it is empty")
                    + ": add one, or nothing would be produced.");
            default -> {
                ObjectNode nodeErrors = check.nodeErrors();
                if (check.ok() && !nodeErrors.isEmpty()) {
                    lines.add("Some outputs will be skipped because of these problems:");
                }
                for (Map.Entry<String, JsonNode> node : nodeErrors.properties()) {
                    for (JsonNode error : node.getValue().path("errors").values()) {
                        lines.add(nodeError(node.getKey(), node.getValue().path("class_type").asString(), error));
                    }
                }
                if (!check.ok() && nodeErrors.isEmpty()) {
                    lines.add("No output node can run: the links between the nodes form a cycle (or a chain too long"
                            + " for ComfyUI); make sure no node depends on its own result.");
                }
            }
        }
        return String.join("\n", lines);
    }

    private String crash(PromptCheck check) {
        if (original != null && original.isObject() && original.has("nodes")
                || original != null && original.isObject() && original.has("last_node_id")) {
            return uiFormat();
        }
        return "ComfyUI cannot read this prompt (it would fail with " + check.internalError().orElse("an error")
                + "): the workflow must be a JSON object mapping node ids to {\"class_type\": ..., \"inputs\": {...}},"
                + " as ComfyUI's \"Save (API)\" writes it.";
    }

    private static String uiFormat() {
        return "This is a UI/graph workflow (ComfyUI's \"Save\" file), which ComfyUI cannot execute: in ComfyUI,"
                + " export it with \"Save (API)\" / \"Export (API)\" and send that file instead.";
    }

    /** Every node without a class_type and every unknown node type, in prompt order. */
    private List<String> graphProblems() {
        List<String> lines = new ArrayList<>();
        if (original == null || !original.isObject()) {
            lines.add("The workflow must be a JSON object mapping node ids to nodes (ComfyUI's \"Save (API)\" format).");
            return lines;
        }
        List<String> untyped = new ArrayList<>();
        Set<String> unknown = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> node : original.properties()) {
            JsonNode value = node.getValue();
            JsonNode classType = value.isObject() ? value.get("class_type") : null;
            if (classType == null) {
                untyped.add(node.getKey());
            } else if (!classType.isString() || !catalog.contains(classType.stringValue())) {
                unknown.add(classType.isString() ? classType.stringValue() : Py.str(classType));
            }
        }
        boolean looksLikeUi = original.has("nodes") || original.has("last_node_id") || original.has("links");
        if (looksLikeUi) {
            lines.add(uiFormat());
            return lines;
        }
        if (!unknown.isEmpty()) {
            lines.add("Unknown node types: " + String.join(", ", unknown)
                    + " (install the custom nodes that provide them, or remove those nodes).");
        }
        if (!untyped.isEmpty()) {
            lines.add("Nodes without a class_type: " + String.join(", ", untyped)
                    + " (each node needs \"class_type\" and \"inputs\"; export the workflow with \"Save (API)\").");
        }
        return lines;
    }

    private String nodeError(String nodeId, String classType, JsonNode error) {
        String where = "node " + nodeId + " (" + classType + ")";
        JsonNode extra = error.path("extra_info");
        String input = extra.path("input_name").asString("");
        String at = input.isEmpty() ? where : where + " input " + input;
        return switch (error.path("type").asString()) {
            case "required_input_missing" -> at + ": required, but not set; give it a value or link it.";
            case "bad_linked_input" -> at + ": " + Py.str(extra.path("received_value"))
                    + " is not a link; a link is [\"<node id>\", <output index>], a list value is {\"__value__\": [...]}.";
            case "return_type_mismatch" -> at + ": linked to " + Py.str(extra.path("linked_node")) + ", which gives "
                    + Py.str(extra.path("received_type")) + ", but the input takes "
                    + Py.str(extra.path("input_config").path(0)) + "; link an output of the right type.";
            case "invalid_input_type" -> at + ": " + Py.repr(extra.path("received_value")) + " is not a valid "
                    + Py.str(extra.path("input_config").path(0)) + " (" + extra.path("exception_message").asString() + ").";
            case "value_smaller_than_min" -> at + ": " + Py.str(extra.path("received_value")) + " is below the minimum "
                    + Py.str(extra.path("input_config").path(1).path("min")) + ".";
            case "value_bigger_than_max" -> at + ": " + Py.str(extra.path("received_value")) + " is above the maximum "
                    + Py.str(extra.path("input_config").path(1).path("max")) + ".";
            case "value_not_in_list" -> at + ": " + Py.repr(extra.path("received_value")) + " is not one of "
                    + options(classType, input) + ".";
            case "custom_validation_failed" -> customFailure(at, error.path("details").asString());
            case "exception_during_inner_validation", "exception_during_validation" -> exception(nodeId, where, error);
            default -> at + ": " + error.path("message").asString() + " (" + error.path("details").asString() + ").";
        };
    }

    private String options(String classType, String input) {
        List<JsonNode> options = catalog.type(classType).flatMap(t -> t.input(input))
                .flatMap(InputSpec::comboOptions).orElse(List.of());
        if (options.isEmpty()) {
            return "the available choices: there are none (is the model or file installed on this worker?)";
        }
        List<String> shown = options.stream().limit(SHOWN_OPTIONS).map(Py::repr).toList();
        String more = options.size() > SHOWN_OPTIONS ? ", ... (" + options.size() + " in all)" : "";
        return "[" + String.join(", ", shown) + more + "]";
    }

    private static String customFailure(String at, String details) {
        int dash = details.indexOf(" - ");
        String reason = dash < 0 ? details : details.substring(dash + 3);
        if (reason.startsWith("Invalid ") && reason.contains(" file: ")) {
            String file = reason.substring(reason.indexOf(" file: ") + 7);
            return at + ": file '" + file + "' is not in ComfyUI's input folder; upload it with the job (\"images\")"
                    + " or fix the name.";
        }
        return at + ": " + reason + ".";
    }

    /** A KeyError while validating is a link to a node id the prompt does not have: name that link. */
    private String exception(String nodeId, String where, JsonNode error) {
        JsonNode extra = error.path("extra_info");
        if ("KeyError".equals(extra.path("exception_type").asString()) && original != null && original.isObject()) {
            JsonNode inputs = original.path(nodeId).path("inputs");
            List<String> dangling = new ArrayList<>();
            for (Map.Entry<String, JsonNode> in : inputs.properties()) {
                JsonNode v = in.getValue();
                if (v.isArray() && v.size() == 2 && !(v.get(0).isString() && original.has(v.get(0).stringValue()))) {
                    dangling.add(where + " input " + in.getKey() + ": links to node " + Py.repr(v.get(0))
                            + ", which is not in the workflow; link an existing node id (as a string) or remove it.");
                }
            }
            if (!dangling.isEmpty()) {
                return String.join("\n", dangling);
            }
            if (inputs.isMissingNode()) {
                return where + ": has no \"inputs\"; add \"inputs\": {}.";
            }
        }
        return where + ": ComfyUI failed while checking it (" + extra.path("exception_type").asString() + ": "
                + error.path("details").asString() + ").";
    }
}
