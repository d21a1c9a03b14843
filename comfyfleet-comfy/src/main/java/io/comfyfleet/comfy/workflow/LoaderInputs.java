package io.comfyfleet.comfy.workflow;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The model files a workflow loads: the literal string inputs named {@code *_name}, {@code *_name<digits>} or
 * {@code model_path} of every
 * node whose class name contains {@code Loader} (CheckpointLoaderSimple {@code ckpt_name}, LoraLoader
 * {@code lora_name}, VAELoader {@code vae_name}, UNETLoader {@code unet_name}, DualCLIPLoader {@code clip_name1},
 * ControlNetLoader {@code control_net_name}, UpscaleModelLoader {@code model_name}, and custom loaders named the same
 * way). These are what ComfyUI's cache keeps loaded after a prompt, so a worker that ran the workflow last holds
 * them. Other string inputs of loaders ({@code type}, {@code device}) name no file and are left out, as are
 * LoadImage's images (inputs, not models).
 *
 * <p>Reads the API-format JSON as it is (no parse, no catalogue), so it never throws: anything that is not a node
 * with {@code class_type} and {@code inputs} is skipped. Names come in document order, each once.
 */
public final class LoaderInputs {
    /** More than any real workflow loads; bounds what a malformed one can make a worker report. */
    public static final int MAX_NAMES = 64;

    private static final Pattern MODEL_INPUT = Pattern.compile(".+_name\\d*|model_path");

    private LoaderInputs() {}

    /** The model names {@code workflow} (an API-format object, node id to node) loads; empty for anything else. */
    public static Set<String> of(JsonNode workflow) {
        if (workflow == null || !workflow.isObject()) {
            return Set.of();
        }
        Set<String> names = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> node : workflow.properties()) {
            String type = node.getValue().path("class_type").asString("");
            JsonNode inputs = node.getValue().path("inputs");
            if (!type.contains("Loader") || !inputs.isObject()) {
                continue;
            }
            for (Map.Entry<String, JsonNode> input : inputs.properties()) {
                String key = input.getKey();
                if (MODEL_INPUT.matcher(key).matches() && input.getValue().isString()
                        && !input.getValue().asString().isBlank() && names.size() < MAX_NAMES) {
                    names.add(input.getValue().asString());
                }
            }
        }
        return Collections.unmodifiableSet(names);
    }
}
