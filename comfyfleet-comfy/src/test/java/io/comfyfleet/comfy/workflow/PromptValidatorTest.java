package io.comfyfleet.comfy.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The cases ComfyUI 0.3.64 answers that were not recorded, with the answers its validate_prompt code gives
 * (worked out from execution.py; Python wording for the exception texts).
 */
class PromptValidatorTest {
    static final NodeCatalog CATALOG = Captures.catalog("h100-0.3.64");
    static final ValidationContext FILES = ValidationContext.withInputFiles(List.of("red.png"));

    static PromptCheck check(String prompt) {
        return PromptValidator.validate(Json.MAPPER.readTree(prompt), CATALOG, FILES);
    }

    /** JSON with 'single quotes' for strings; inside "double-quoted" strings a ' stays an apostrophe. */
    static JsonNode json(String s) {
        String[] parts = s.split("\"", -1);
        for (int i = 0; i < parts.length; i += 2) {
            parts[i] = parts[i].replace('\'', '"');
        }
        return Json.MAPPER.readTree(String.join("\"", parts));
    }

    static final String IMAGE = "'1': {'class_type': 'EmptyImage', 'inputs': {'width': %s, 'height': 64, 'batch_size': 1, 'color': 0}}";
    static final String SAVE = "'9': {'class_type': 'SaveImage', 'inputs': {'images': %s, 'filename_prefix': 'x'}}";

    static PromptCheck emptyImageWidth(String width) {
        return check(("{" + IMAGE.formatted(width) + ", " + SAVE.formatted("['1', 0]") + "}").replace('\'', '"'));
    }

    @Test
    void valueAboveMax() {
        PromptCheck check = emptyImageWidth("20000");

        assertThat(check.httpStatus()).isEqualTo(400);
        assertThat(check.body()).isEqualTo(json("{'error': {'type': 'prompt_outputs_failed_validation', 'message':"
                + " 'Prompt outputs failed validation', 'details': '', 'extra_info': {}}, 'node_errors': {'1': {'errors':"
                + " [{'type': 'value_bigger_than_max', 'message': 'Value 20000 bigger than max of 16384', 'details': 'width',"
                + " 'extra_info': {'input_name': 'width', 'input_config': ['INT', {'default': 512, 'min': 1, 'max': 16384,"
                + " 'step': 1}], 'received_value': 20000}}], 'dependent_outputs': ['9'], 'class_type': 'EmptyImage'}}}"));
    }

    @Test
    void convertsWidgetValuesAsComfyUiDoes() {
        PromptCheck ok = emptyImageWidth("'64'");
        assertThat(ok.complete()).isTrue();
        assertThat(ok.prompt().get("1").get("inputs").get("width")).isEqualTo(json("64"));
        assertThat(emptyImageWidth("65.9").prompt().get("1").get("inputs").get("width")).isEqualTo(json("65"));
        assertThat(emptyImageWidth("' 1_024 '").prompt().get("1").get("inputs").get("width")).isEqualTo(json("1024"));
        assertThat(emptyImageWidth("true").ok()).isTrue();
        assertThat(emptyImageWidth("{'__value__': 7}").prompt().get("1").get("inputs").get("width")).isEqualTo(json("7"));

        JsonNode err = emptyImageWidth("'abc'").nodeErrors().get("1").get("errors").get(0);
        assertThat(err).isEqualTo(json("{'type': 'invalid_input_type', 'message': 'Failed to convert an input value to a"
                + " INT value', 'details': \"width, abc, invalid literal for int() with base 10: 'abc'\", 'extra_info':"
                + " {'input_name': 'width', 'input_config': ['INT', {'default': 512, 'min': 1, 'max': 16384, 'step': 1}],"
                + " 'received_value': 'abc', 'exception_message': \"invalid literal for int() with base 10: 'abc'\"}}"));
        assertThat(emptyImageWidth("null").nodeErrors().get("1").get("errors").get(0).get("details").stringValue())
                .isEqualTo("width, None, int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
        assertThat(emptyImageWidth("{'a': 1}").nodeErrors().get("1").get("errors").get(0).get("details").stringValue())
                .isEqualTo("width, {'a': 1}, int() argument must be a string, a bytes-like object or a real number, not 'dict'");
        assertThat(emptyImageWidth("0.5").nodeErrors().get("1").get("errors").get(0).get("message").stringValue())
                .isEqualTo("Value 0 smaller than min of 1");
    }

    @Test
    void floatsCompareAndPrintAsPython() {
        String prompt = "{'3': {'class_type': 'KSampler', 'inputs': {'seed': 18446744073709551616, 'steps': 20, 'cfg': 1e300,"
                + " 'sampler_name': 'euler', 'scheduler': 'normal', 'denoise': '0.5', 'model': ['4', 0], 'positive': ['6', 0],"
                + " 'negative': ['6', 0], 'latent_image': ['5', 0]}},"
                + " '4': {'class_type': 'CheckpointLoaderSimple', 'inputs': {'ckpt_name': 'rand_a.safetensors'}},"
                + " '5': {'class_type': 'EmptyLatentImage', 'inputs': {'width': 512, 'height': 512, 'batch_size': 1}},"
                + " '6': {'class_type': 'CLIPTextEncode', 'inputs': {'text': 5, 'clip': ['4', 1]}},"
                + " '8': {'class_type': 'VAEDecode', 'inputs': {'samples': ['3', 0], 'vae': ['4', 2]}},"
                + " '9': {'class_type': 'SaveImage', 'inputs': {'filename_prefix': 't2i', 'images': ['8', 0]}}}";
        PromptCheck check = check(prompt.replace('\'', '"'));

        JsonNode errors = check.nodeErrors().get("3").get("errors");
        assertThat(errors.valueStream().map(e -> e.get("message").stringValue()))
                .containsExactly("Value 18446744073709551616 bigger than max of 18446744073709551615",
                        "Value 1e+300 bigger than max of 100.0");
        assertThat(check.prompt().get("3").get("inputs").get("denoise")).isEqualTo(json("0.5"));
        assertThat(check.prompt().get("6").get("inputs").get("text")).isEqualTo(json("'5'"));
    }

    @Test
    void comboValuesShortAndLongLists() {
        String prompt = "{'4': {'class_type': 'CheckpointLoaderSimple', 'inputs': {'ckpt_name': 'x.safetensors'}},"
                + " '3': {'class_type': 'KSampler', 'inputs': {'seed': 1, 'steps': 20, 'cfg': 7, 'sampler_name': 'nope',"
                + " 'scheduler': 'normal', 'denoise': 1, 'model': ['4', 0], 'positive': ['6', 0], 'negative': ['6', 0],"
                + " 'latent_image': ['5', 0]}},"
                + " '5': {'class_type': 'EmptyLatentImage', 'inputs': {'width': 512, 'height': 512, 'batch_size': 1}},"
                + " '6': {'class_type': 'CLIPTextEncode', 'inputs': {'text': 'a', 'clip': ['4', 1]}},"
                + " '8': {'class_type': 'VAEDecode', 'inputs': {'samples': ['3', 0], 'vae': ['4', 2]}},"
                + " '9': {'class_type': 'SaveImage', 'inputs': {'filename_prefix': 't2i', 'images': ['8', 0]}}}";
        PromptCheck check = check(prompt.replace('\'', '"'));

        assertThat(check.nodeErrors().get("4")).isEqualTo(json("{'errors': [{'type': 'value_not_in_list', 'message':"
                + " 'Value not in list', 'details': \"ckpt_name: 'x.safetensors' not in ['rand_a.safetensors',"
                + " 'rand_b.safetensors']\", 'extra_info': {'input_name': 'ckpt_name', 'input_config':"
                + " [['rand_a.safetensors', 'rand_b.safetensors'], {'tooltip': 'The name of the checkpoint (model) to"
                + " load.'}], 'received_value': 'x.safetensors'}}], 'dependent_outputs': ['9'], 'class_type':"
                + " 'CheckpointLoaderSimple'}"));
        assertThat(check.nodeErrors().get("3").get("errors").get(0)).isEqualTo(json("{'type': 'value_not_in_list',"
                + " 'message': 'Value not in list', 'details': \"sampler_name: 'nope' not in (list of length 42)\","
                + " 'extra_info': {'input_name': 'sampler_name', 'input_config': null, 'received_value': 'nope'}}"));
        assertThat(check.error().orElseThrow().get("details").stringValue()).isEmpty();
        assertThat(check.userMessage()).contains(
                "node 4 (CheckpointLoaderSimple) input ckpt_name: 'x.safetensors' is not one of"
                        + " ['rand_a.safetensors', 'rand_b.safetensors'].",
                "node 3 (KSampler) input sampler_name: 'nope' is not one of ['euler', ");
    }

    @Test
    void linkErrors() {
        PromptCheck mismatch = check(("{'4': {'class_type': 'CheckpointLoaderSimple', 'inputs': {'ckpt_name':"
                + " 'rand_a.safetensors'}}, " + SAVE.formatted("['4', 0]") + "}").replace('\'', '"'));
        assertThat(mismatch.body()).isEqualTo(json("{'error': {'type': 'prompt_outputs_failed_validation', 'message':"
                + " 'Prompt outputs failed validation', 'details': 'Return type mismatch between linked nodes: images,"
                + " received_type(MODEL) mismatch input_type(IMAGE)', 'extra_info': {}}, 'node_errors': {'9': {'errors':"
                + " [{'type': 'return_type_mismatch', 'message': 'Return type mismatch between linked nodes', 'details':"
                + " 'images, received_type(MODEL) mismatch input_type(IMAGE)', 'extra_info': {'input_name': 'images',"
                + " 'input_config': ['IMAGE', {'tooltip': 'The images to save.'}], 'received_type': 'MODEL',"
                + " 'linked_node': ['4', 0]}}], 'dependent_outputs': ['9'], 'class_type': 'SaveImage'}}}"));

        PromptCheck bad = check(("{" + SAVE.formatted("['1', 0, 1]") + "}").replace('\'', '"'));
        assertThat(bad.nodeErrors().get("9").get("errors").get(0)).isEqualTo(json("{'type': 'bad_linked_input',"
                + " 'message': 'Bad linked input, must be a length-2 list of [node_id, slot_index]', 'details': 'images',"
                + " 'extra_info': {'input_name': 'images', 'input_config': ['IMAGE', {'tooltip': 'The images to save.'}],"
                + " 'received_value': ['1', 0, 1]}}"));

        PromptCheck intId = check(("{" + IMAGE.formatted("64") + ", " + SAVE.formatted("[1, 0]") + "}").replace('\'', '"'));
        JsonNode e = intId.nodeErrors().get("9").get("errors").get(0);
        assertThat(e.get("type").stringValue()).isEqualTo("exception_during_validation");
        assertThat(e.get("details").stringValue()).isEqualTo("1");
        assertThat(intId.userMessage()).isEqualTo("node 9 (SaveImage) input images: links to node 1, which is not in"
                + " the workflow; link an existing node id (as a string) or remove it.");

        PromptCheck slot = check(("{" + IMAGE.formatted("64") + ", " + SAVE.formatted("['1', 3]") + "}").replace('\'', '"'));
        JsonNode s = slot.nodeErrors().get("9").get("errors").get(0);
        assertThat(s.get("details").stringValue()).isEqualTo("tuple index out of range");
        assertThat(s.get("extra_info").get("exception_type").stringValue()).isEqualTo("IndexError");
        assertThat(s.get("extra_info").get("traceback").get(1).stringValue()).isEqualTo(
                "  File \"/opt/ComfyUI/execution.py\", line 790, in validate_inputs\n    received_type = r[val[1]]\n"
                        + "                    ~^^^^^^^^\n");
        // Python indexes from the end and reads true as 1
        assertThat(check(("{" + IMAGE.formatted("64") + ", " + SAVE.formatted("['1', -1]") + "}").replace('\'', '"')).ok()).isTrue();
    }

    @Test
    void wildcardAndUnionTypesLink() {
        String prompt = "{" + IMAGE.formatted("64") + ", '2': {'class_type': 'PreviewAny', 'inputs': {'source': ['1', 0]}}}";
        assertThat(check(prompt.replace('\'', '"')).complete()).isTrue();
        assertThat(TypeMatch.matches(json("'INT,FLOAT'"), json("'FLOAT, STRING'"))).isTrue();
        assertThat(TypeMatch.matches(json("'INT'"), json("'FLOAT,STRING'"))).isFalse();
        assertThat(TypeMatch.matches(json("'*'"), json("['a', 'b']"))).isTrue();
        assertThat(TypeMatch.matches(json("['a', 'b']"), json("['a', 'b']"))).isTrue();
        assertThat(TypeMatch.matches(json("'STRING'"), json("['a', 'b']"))).isFalse();
    }

    @Test
    void missingNodeDeeperIsReportedOnTheLinkedNode() {
        String prompt = "{'2': {'class_type': 'ImageInvert', 'inputs': {'image': ['99', 0]}}, " + SAVE.formatted("['2', 0]") + "}";
        PromptCheck check = check(prompt.replace('\'', '"'));

        assertThat(check.httpStatus()).isEqualTo(400);
        assertThat(check.error().orElseThrow().get("details").stringValue()).isEmpty();
        assertThat(check.nodeErrors().propertyNames()).containsExactly("2");
        JsonNode error = check.nodeErrors().get("2").get("errors").get(0);
        assertThat(error.get("type").stringValue()).isEqualTo("exception_during_inner_validation");
        assertThat(error.get("message").stringValue()).isEqualTo("Exception when validating inner node");
        assertThat(error.get("details").stringValue()).isEqualTo("'99'");
        assertThat(error.get("extra_info").propertyNames()).containsExactly("input_name", "input_config",
                "exception_message", "exception_type", "traceback", "linked_node");
        assertThat(error.get("extra_info").get("exception_type").stringValue()).isEqualTo("KeyError");
        assertThat(check.nodeErrors().get("2").get("dependent_outputs")).isEqualTo(json("['9']"));
        JsonNode extra = check.nodeErrors().get("2").get("errors").get(0).get("extra_info");
        assertThat(extra.get("input_name").stringValue()).isEqualTo("images");
        assertThat(extra.get("linked_node")).isEqualTo(json("['2', 0]"));
        assertThat(extra.get("traceback").get(0).stringValue()).isEqualTo("  File \"/opt/ComfyUI/execution.py\", line 808,"
                + " in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n        "
                + "^".repeat(57) + "\n");
        assertThat(extra.get("traceback").get(1).stringValue()).isEqualTo("  File \"/opt/ComfyUI/execution.py\", line 788,"
                + " in validate_inputs\n    o_class_type = prompt[o_id]['class_type']\n                   ~~~~~~^^^^^^\n");
        assertThat(check.userMessage()).isEqualTo("node 2 (ImageInvert) input image: links to node '99', which is not"
                + " in the workflow; link an existing node id (as a string) or remove it.");
    }

    @Test
    void partialSuccessQueuesTheGoodOutputsAndReportsTheRest() {
        String prompt = "{" + IMAGE.formatted("64") + ", " + SAVE.formatted("['1', 0]")
                + ", '5': {'class_type': 'PreviewImage', 'inputs': {}}}";
        PromptCheck check = check(prompt.replace('\'', '"'));

        assertThat(check.httpStatus()).isEqualTo(200);
        assertThat(check.ok()).isTrue();
        assertThat(check.complete()).isFalse();
        assertThat(check.outputsToExecute()).containsExactly("9");
        assertThat(check.nodeErrors()).isEqualTo(json("{'5': {'errors': [{'type': 'required_input_missing', 'message':"
                + " 'Required input is missing', 'details': 'images', 'extra_info': {'input_name': 'images'}}],"
                + " 'dependent_outputs': ['5'], 'class_type': 'PreviewImage'}}"));
        assertThat(check.successBody("p1", 3)).isEqualTo(json("{'prompt_id': 'p1', 'number': 3, 'node_errors': "
                + check.nodeErrors() + "}"));
        assertThat(check.userMessage()).isEqualTo("Some outputs will be skipped because of these problems:\n"
                + "node 5 (PreviewImage) input images: required, but not set; give it a value or link it.");
    }

    @Test
    void everyFailedNodeCountsEveryLaterFailedOutputAsDependent() {
        String prompt = "{" + IMAGE.formatted("0") + ", " + SAVE.formatted("['1', 0]")
                + ", '5': {'class_type': 'PreviewImage', 'inputs': {}}}";
        PromptCheck check = check(prompt.replace('\'', '"'));

        assertThat(check.httpStatus()).isEqualTo(400);
        assertThat(check.nodeErrors().get("1").get("dependent_outputs")).isEqualTo(json("['9', '5']"));
        assertThat(check.nodeErrors().get("5").get("dependent_outputs")).isEqualTo(json("['5']"));
        assertThat(check.error().orElseThrow().get("details").stringValue())
                .isEqualTo("Required input is missing: images");
    }

    @Test
    void cyclesFailWithoutNodeErrors() {
        String prompt = "{'2': {'class_type': 'ImageInvert', 'inputs': {'image': ['3', 0]}},"
                + " '3': {'class_type': 'ImageInvert', 'inputs': {'image': ['2', 0]}}, " + SAVE.formatted("['2', 0]") + "}";
        PromptCheck check = check(prompt.replace('\'', '"'));

        assertThat(check.body()).isEqualTo(json("{'error': {'type': 'prompt_outputs_failed_validation', 'message':"
                + " 'Prompt outputs failed validation', 'details': '', 'extra_info': {}}, 'node_errors': {}}"));
        assertThat(check.userMessage()).contains("cycle");
    }

    @Test
    void missingInputsObjectIsAKeyError() {
        String prompt = "{'2': {'class_type': 'ImageInvert'}, " + SAVE.formatted("['2', 0]") + "}";
        JsonNode e = check(prompt.replace('\'', '"')).nodeErrors().get("2").get("errors").get(0);

        assertThat(e.get("type").stringValue()).isEqualTo("exception_during_inner_validation");
        assertThat(e.get("details").stringValue()).isEqualTo("'inputs'");
        assertThat(e.get("extra_info").get("traceback").get(1).stringValue()).isEqualTo("  File"
                + " \"/opt/ComfyUI/execution.py\", line 730, in validate_inputs\n    inputs = prompt[unique_id]['inputs']\n"
                + "             ~~~~~~~~~~~~~~~~~^^^^^^^^^^\n");
    }

    @Test
    void uploadPickersCheckFilesNotTheList() {
        String load = "{'1': {'class_type': 'LoadImage', 'inputs': {'image': %s}}, " + SAVE.formatted("['1', 0]") + "}";
        assertThat(check(load.formatted("'red.png'").replace('\'', '"')).complete()).isTrue();
        assertThat(check(load.formatted("'red.png [input]'").replace('\'', '"')).complete()).isTrue();

        PromptCheck missing = check(load.formatted("'example.png'").replace('\'', '"'));
        assertThat(missing.nodeErrors().get("1").get("errors").get(0)).isEqualTo(json("{'type': 'custom_validation_failed',"
                + " 'message': 'Custom validation failed for node', 'details': 'image - Invalid image file: example.png',"
                + " 'extra_info': {'input_name': 'image'}}"));
        assertThat(missing.userMessage()).isEqualTo("node 1 (LoadImage) input image: file 'example.png' is not in"
                + " ComfyUI's input folder; upload it with the job (\"images\") or fix the name.");

        ValidationContext outputs = ValidationContext.withFiles((folder, name) ->
                folder == ValidationContext.Folder.OUTPUT && name.equals("done.png"));
        String fromOutput = "{'1': {'class_type': 'LoadImageOutput', 'inputs': {'image': 'done.png [output]'}}, "
                + SAVE.formatted("['1', 0]") + "}";
        assertThat(PromptValidator.validate(json(fromOutput), CATALOG, outputs).complete()).isTrue();

        JsonNode linked = check(("{'2': {'class_type': 'LoadImage', 'inputs': {'image': ['3', 0]}},"
                + " '3': {'class_type': 'PrimitiveString', 'inputs': {'value': 'a'}}, " + SAVE.formatted("['2', 0]") + "}")
                .replace('\'', '"')).nodeErrors().path("2").path("errors").path(0);
        // the link's type mismatch is lost: VALIDATE_INPUTS then gets None for the linked value and raises
        assertThat(linked.path("type").asString()).isEqualTo("exception_during_inner_validation");
        assertThat(linked.path("details").asString()).isEqualTo("'NoneType' object has no attribute 'endswith'");

        JsonNode latent = check(("{'2': {'class_type': 'LoadLatent', 'inputs': {'latent': 'a.latent'}},"
                + " '3': {'class_type': 'SaveLatent', 'inputs': {'samples': ['2', 0], 'filename_prefix': 'l'}}}")
                .replace('\'', '"')).nodeErrors().get("2").get("errors").get(0);
        assertThat(latent.get("details").stringValue()).isEqualTo("latent - Invalid latent file: a.latent");
        JsonNode webcam = check(("{'2': {'class_type': 'WebcamCapture', 'inputs': {'width': 0, 'height': 0,"
                + " 'capture_on_queue': true}}, " + SAVE.formatted("['2', 0]") + "}").replace('\'', '"'))
                .nodeErrors().get("2").get("errors").get(0);
        assertThat(webcam.get("details").stringValue())
                .isEqualTo("LoadImage.VALIDATE_INPUTS() missing 1 required positional argument: 'image'");

        JsonNode absent = check(("{'2': {'class_type': 'LoadImage', 'inputs': {}}, " + SAVE.formatted("['2', 0]") + "}")
                .replace('\'', '"')).nodeErrors().get("2").get("errors").get(0);
        assertThat(absent.get("details").stringValue())
                .isEqualTo("LoadImage.VALIDATE_INPUTS() missing 1 required positional argument: 'image'");
    }

    @Test
    void firstPassFollowsPythonOnAnyShape() {
        assertThat(check("[]").error().orElseThrow().get("type").stringValue()).isEqualTo("prompt_no_outputs");
        assertThat(check("\"\"").error().orElseThrow().get("type").stringValue()).isEqualTo("prompt_no_outputs");
        assertThat(check("{}").error().orElseThrow().get("type").stringValue()).isEqualTo("prompt_no_outputs");
        assertThat(check("[1, \"x\"]").error().orElseThrow().get("details").stringValue()).isEqualTo("Node ID '#1'");
        for (String crash : List.of("5", "null", "true", "\"abc\"", "[\"a\"]", "[0]", "{\"1\": 5}", "{\"1\": null}",
                "{\"1\": {\"class_type\": []}}", "{\"1\": \"xclass_typex\"}")) {
            PromptCheck check = check(crash);
            assertThat(check.httpStatus()).as(crash).isEqualTo(500);
            assertThat(check.plainTextBody()).isEqualTo("500 Internal Server Error\n\nServer got itself in trouble");
            assertThat(check.internalError()).isPresent();
            assertThat(check.userMessage()).isNotBlank();
        }
        assertThat(PromptValidator.validate((JsonNode) null, CATALOG, FILES).httpStatus()).isEqualTo(500);
        assertThat(check("{\"1\": \"abc\"}").error().orElseThrow().get("message").stringValue())
                .isEqualTo("Cannot execute because a node is missing the class_type property.");
        assertThat(check("{\"1\": {\"class_type\": 5}}").error().orElseThrow().get("message").stringValue())
                .isEqualTo("Cannot execute because node 5 does not exist.");
        assertThat(check("{\"1\": {\"class_type\": null}}").error().orElseThrow().get("message").stringValue())
                .isEqualTo("Cannot execute because node None does not exist.");
    }

    @Test
    void listsEveryUnknownNodeTypeForPeople() {
        PromptCheck check = check(("{'1': {'class_type': 'NoSuchNode', 'inputs': {}}, '2': {'class_type': 'Foo',"
                + " 'inputs': {}}, '3': {'class_type': 'NoSuchNode', 'inputs': {}}, '4': {'inputs': {}},"
                + " " + SAVE.formatted("['1', 0]") + "}").replace('\'', '"'));

        assertThat(check.body().get("error")).isEqualTo(json("{'type': 'invalid_prompt', 'message': 'Cannot execute"
                + " because node NoSuchNode does not exist.', 'details': \"Node ID '#1'\", 'extra_info': {}}"));
        assertThat(check.userMessage()).isEqualTo("Unknown node types: NoSuchNode, Foo (install the custom nodes that"
                + " provide them, or remove those nodes).\nNodes without a class_type: 4 (each node needs \"class_type\""
                + " and \"inputs\"; export the workflow with \"Save (API)\").");
        assertThat(check(Captures.read("cpu-0.3.64", "err_ui_format_string_id.json").get("request").get("prompt")
                .toString()).userMessage()).contains("Save (API)");
        assertThat(check(Captures.read("cpu-0.3.64", "err_ui_format_numeric_first.json").get("request").get("prompt")
                .toString()).userMessage()).contains("Save (API)");
    }

    @Test
    void partialExecutionTargetsAndRequests() {
        String prompt = "{" + IMAGE.formatted("64") + ", " + SAVE.formatted("['1', 0]")
                + ", '5': {'class_type': 'PreviewImage', 'inputs': {'images': ['1', 0]}}}";
        JsonNode p = json(prompt);
        assertThat(PromptValidator.validate(p, CATALOG, FILES).outputsToExecute()).containsExactly("9", "5");
        assertThat(PromptValidator.validate(p, CATALOG, FILES.withPartialExecutionTargets(json("['5']")))
                .outputsToExecute()).containsExactly("5");
        assertThat(PromptValidator.validate(p, CATALOG, FILES.withPartialExecutionTargets(json("[]")))
                .error().orElseThrow().get("type").stringValue()).isEqualTo("prompt_no_outputs");

        JsonNode body = json("{'prompt': " + prompt + ", 'partial_execution_targets': ['9'], 'client_id': 'c'}");
        assertThat(PromptValidator.validateRequest(body, CATALOG, FILES).outputsToExecute()).containsExactly("9");
        PromptCheck none = PromptValidator.validateRequest(json("{'client_id': 'c'}"), CATALOG, FILES);
        assertThat(none.body()).isEqualTo(json("{'error': {'type': 'no_prompt', 'message': 'No prompt provided',"
                + " 'details': 'No prompt provided', 'extra_info': {}}, 'node_errors': {}}"));
        assertThat(PromptValidator.validateRequest(json("[1]"), CATALOG, FILES).httpStatus()).isEqualTo(400);
        assertThat(PromptValidator.validateRequest(json("'a prompt'"), CATALOG, FILES).httpStatus()).isEqualTo(500);
        assertThat(PromptValidator.validateRequest(null, CATALOG, FILES).httpStatus()).isEqualTo(500);
        JsonNode allTargets = json("{'prompt': " + prompt + ", 'partial_execution_targets': null}");
        assertThat(PromptValidator.validateRequest(allTargets, CATALOG, FILES).outputsToExecute()).containsExactly("9", "5");
        assertThat(PromptValidator.validateRequest(json("{'prompt': " + prompt + ", 'number': 'x'}"), CATALOG, FILES)
                .internalError()).contains("ValueError: could not convert string to float: 'x'");
        assertThat(PromptValidator.validateRequest(json("{'prompt': " + prompt + ", 'number': '2.5'}"), CATALOG, FILES)
                .ok()).isTrue();
        assertThat(PromptValidator.validateRequest(json("{'number': null}"), CATALOG, FILES).httpStatus()).isEqualTo(500);
        assertThat(PromptValidator.validateRequest(json("{'prompt': {}, 'client_id': 'c', 'extra_data': 'x'}"), CATALOG,
                FILES).internalError()).contains("TypeError: 'str' object does not support item assignment");
        assertThat(PromptValidator.validateRequest(json("{'prompt': {}, 'extra_data': 'x'}"), CATALOG, FILES)
                .httpStatus()).isEqualTo(400);
    }

    @Test
    void doesNotChangeTheCallersTree() {
        JsonNode p = json("{" + IMAGE.formatted("'64'") + ", " + SAVE.formatted("['1', 0]") + "}");
        String before = p.toString();
        PromptValidator.validate(p, CATALOG, FILES);
        assertThat(p.toString()).isEqualTo(before);
    }
}
