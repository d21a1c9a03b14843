package io.comfyfleet.comfy.client.outputs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Everything a prompt's nodes returned as UI output: files (saved results and temp previews) and text.
 * Built from a history entry's {@code outputs} by walking every node and every key, so custom nodes' keys
 * ({@code gifs}, {@code result}, ...) are kept: any dict with a {@code filename} is a file, any string a text.
 */
public record RunOutputs(List<OutputFile> files, List<TextOutput> texts) {
    public RunOutputs {
        files = List.copyOf(files);
        texts = List.copyOf(texts);
    }

    public static RunOutputs empty() {
        return new RunOutputs(List.of(), List.of());
    }

    /** Files in ComfyUI's output directory: the results to deliver. */
    public List<OutputFile> outputs() {
        return files.stream().filter(OutputFile::isOutput).toList();
    }

    /** Files in ComfyUI's temp directory (PreviewImage and the like), kept apart from results. */
    public List<OutputFile> temps() {
        return files.stream().filter(OutputFile::isTemp).toList();
    }

    /**
     * Reads a history entry's {@code outputs} ({@code {node_id: {key: [...]}}}); null or missing gives empty.
     */
    public static RunOutputs fromHistoryOutputs(JsonNode outputsByNode) {
        List<OutputFile> files = new ArrayList<>();
        List<TextOutput> texts = new ArrayList<>();
        if (outputsByNode != null && outputsByNode.isObject()) {
            for (Map.Entry<String, JsonNode> node : outputsByNode.properties()) {
                collectNode(node.getKey(), node.getValue(), files, texts);
            }
        }
        return new RunOutputs(files, texts);
    }

    /** Reads one node's UI output (the {@code output} of an {@code executed} event); null gives empty. */
    public static RunOutputs fromNodeOutput(String nodeId, JsonNode output) {
        List<OutputFile> files = new ArrayList<>();
        List<TextOutput> texts = new ArrayList<>();
        collectNode(nodeId, output, files, texts);
        return new RunOutputs(files, texts);
    }

    /** This and {@code other} together, this one's entries first. */
    public RunOutputs plus(RunOutputs other) {
        List<OutputFile> f = new ArrayList<>(files);
        f.addAll(other.files);
        List<TextOutput> t = new ArrayList<>(texts);
        t.addAll(other.texts);
        return new RunOutputs(f, t);
    }

    private static void collectNode(String nodeId, JsonNode ui, List<OutputFile> files, List<TextOutput> texts) {
        if (ui == null || !ui.isObject()) {
            return;
        }
        boolean animated = isAnimated(ui.get("animated"));
        for (Map.Entry<String, JsonNode> entry : ui.properties()) {
            String key = entry.getKey();
            if (key.equals("animated")) {
                continue;
            }
            JsonNode value = entry.getValue();
            if (value.isArray()) {
                for (JsonNode item : value) {
                    collectItem(nodeId, key, item, animated, files, texts);
                }
            } else {
                collectItem(nodeId, key, value, animated, files, texts);
            }
        }
    }

    private static void collectItem(String nodeId, String key, JsonNode item, boolean animated,
                                    List<OutputFile> files, List<TextOutput> texts) {
        if (item.isObject() && item.path("filename").isString() && !item.get("filename").asString().isBlank()) {
            String filename = item.get("filename").asString();
            files.add(new OutputFile(nodeId, key, OutputKind.of(key, filename), filename,
                    item.path("subfolder").asString(""), item.path("type").asString("output"), animated, item));
        } else if (item.isString()) {
            texts.add(new TextOutput(nodeId, key, item.asString()));
        }
        // numbers, booleans and dicts without a filename (3D camera info, ...) are not files or text
    }

    private static boolean isAnimated(JsonNode flag) {
        if (flag == null) {
            return false;
        }
        if (flag.isArray()) {
            for (JsonNode f : flag) {
                if (f.asBoolean(false)) {
                    return true;
                }
            }
            return false;
        }
        return flag.asBoolean(false);
    }
}
