package io.comfyfleet.comfy.workflow;

import java.util.List;

/**
 * The traceback frames ComfyUI 0.3.64 reports for exceptions during validation (traceback.format_tb, CPython
 * 3.11/3.12 layout with caret lines). Lines 788 and 1010 are confirmed by the recordings; the other line numbers
 * follow the same execution.py layout, and the frames below a custom validation call are an approximation.
 */
final class Traceback {
    enum Site {
        VALIDATE_PROMPT(1010, "validate_prompt", "m = await validate_inputs(prompt_id, prompt, o, validated)",
                "await validate_inputs(prompt_id, prompt, o, validated)", 0),
        INNER_VALIDATE(808, "validate_inputs", "r = await validate_inputs(prompt_id, prompt, o_id, validated)",
                "await validate_inputs(prompt_id, prompt, o_id, validated)", 0),
        NODE_INPUTS(730, "validate_inputs", "inputs = prompt[unique_id]['inputs']", "prompt[unique_id]", 10),
        INPUT_PRESENT(757, "validate_inputs", "if x not in inputs:", "x not in inputs", 0),
        INPUT_VALUE(770, "validate_inputs", "val = inputs[x]", "inputs", 3),
        LINKED_NODE(788, "validate_inputs", "o_class_type = prompt[o_id]['class_type']", "prompt", 6),
        LINKED_OUTPUT(790, "validate_inputs", "received_type = r[val[1]]", "r", 8),
        MIN_CHECK(869, "validate_inputs", "if \"min\" in extra_info and val < extra_info[\"min\"]:",
                "val < extra_info[\"min\"]", 0),
        MAX_CHECK(882, "validate_inputs", "if \"max\" in extra_info and val > extra_info[\"max\"]:",
                "val > extra_info[\"max\"]", 0),
        CUSTOM_INPUTS(924, "validate_inputs",
                "input_data_all, _, hidden_inputs = get_input_data(inputs, obj_class, unique_id)",
                "get_input_data(inputs, obj_class, unique_id)", 0),
        CUSTOM_CALL(932, "validate_inputs", "ret = await _async_map_node_over_list(prompt_id, unique_id, obj_class,"
                + " input_filtered, validate_function_name, hidden_inputs=hidden_inputs)",
                "await _async_map_node_over_list(prompt_id, unique_id, obj_class, input_filtered,"
                        + " validate_function_name, hidden_inputs=hidden_inputs)", 0);

        final int line;
        final String function;
        final String source;
        /** The expression under the carets; with {@code subscriptCarets > 0}, marked {@code ~} then {@code ^}. */
        final String expression;
        final int subscriptCarets;

        Site(int line, String function, String source, String expression, int subscriptCarets) {
            this.line = line;
            this.function = function;
            this.source = source;
            this.expression = expression;
            this.subscriptCarets = subscriptCarets;
        }
    }

    private Traceback() {}

    static String frame(String comfyRoot, Site site) {
        int column = 4 + site.source.indexOf(site.subscriptCarets > 0 ? site.expression + "[" : site.expression);
        String marks = site.subscriptCarets > 0
                ? "~".repeat(site.expression.length()) + "^".repeat(site.subscriptCarets)
                : "^".repeat(site.expression.length());
        return "  File \"" + comfyRoot + "/execution.py\", line " + site.line + ", in " + site.function + "\n"
                + "    " + site.source + "\n" + " ".repeat(column) + marks + "\n";
    }

    /** Frames below the node's validate function: where ComfyUI calls it, and where the file check fails. */
    static List<String> customCall(String comfyRoot, boolean noInputs) {
        String root = comfyRoot + "/execution.py";
        return List.of(
                "  File \"" + root + "\", line 343, in _async_map_node_over_list\n    "
                        + (noInputs ? "await process_inputs({})" : "await process_inputs(input_dict, i)") + "\n",
                "  File \"" + root + "\", line 331, in process_inputs\n    result = f(**inputs)\n"
                        + "             ^^^^^^^^^^^\n");
    }

    static String getInputData(String comfyRoot) {
        return "  File \"" + comfyRoot + "/execution.py\", line 151, in get_input_data\n    input_data = inputs[x]\n"
                + "                 ~~~~~~^^^\n";
    }

    static List<String> fileCheck(String comfyRoot, String nodesFile, String arg) {
        return List.of(
                "  File \"" + comfyRoot + "/" + nodesFile + "\", in VALIDATE_INPUTS\n"
                        + "    if not folder_paths.exists_annotated_filepath(" + arg + "):\n",
                "  File \"" + comfyRoot + "/folder_paths.py\", in exists_annotated_filepath\n"
                        + "    name, base_dir = annotated_filepath(name)\n",
                "  File \"" + comfyRoot + "/folder_paths.py\", in annotated_filepath\n"
                        + "    if name.endswith(\"[output]\"):\n");
    }
}
