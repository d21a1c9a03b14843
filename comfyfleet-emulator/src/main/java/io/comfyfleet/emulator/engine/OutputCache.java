package io.comfyfleet.emulator.engine;

import io.comfyfleet.emulator.files.FileStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ComfyUI's classic node-output cache. A node's key is its input signature: class_type, IS_CHANGED token
 * and sorted inputs, with links replaced by the source's signature and slot, so equal subgraphs hit the
 * cache under any node id. Each new prompt drops every entry it does not share ({@code clean_unused}).
 * Used only from the worker thread.
 */
final class OutputCache {
    record Entry(List<Object> outputs, ObjectNode ui) {}

    private final Map<String, Entry> bySignature = new HashMap<>();
    private Map<String, String> signatureOf = Map.of();

    /** Computes the new prompt's signatures and forgets everything it does not share. */
    void setPrompt(ObjectNode prompt, BiFunction<String, JsonNode, String> changeToken) {
        Map<String, String> signatures = new HashMap<>();
        prompt.propertyNames().forEach(id -> signature(id, prompt, changeToken, signatures, new HashSet<>()));
        signatureOf = signatures;
        bySignature.keySet().retainAll(new HashSet<>(signatures.values()));
    }

    Entry get(String nodeId) {
        String signature = signatureOf.get(nodeId);
        return signature == null ? null : bySignature.get(signature);
    }

    boolean isCached(String nodeId) {
        return get(nodeId) != null;
    }

    void put(String nodeId, Entry entry) {
        String signature = signatureOf.get(nodeId);
        if (signature != null) {
            bySignature.put(signature, entry);
        }
    }

    /** POST /free free_memory: PromptExecutor.reset() drops every cached output. */
    void reset() {
        bySignature.clear();
    }

    private static String signature(String id, ObjectNode prompt, BiFunction<String, JsonNode, String> changeToken,
            Map<String, String> done, java.util.Set<String> visiting) {
        String known = done.get(id);
        if (known != null) {
            return known;
        }
        JsonNode node = prompt.get(id);
        if (node == null || !node.isObject() || !visiting.add(id)) {
            return "missing:" + id;
        }
        String classType = node.path("class_type").asString("");
        JsonNode inputs = node.path("inputs");
        TreeMap<String, String> parts = new TreeMap<>();
        inputs.properties().forEach(e -> {
            JsonNode value = e.getValue();
            if (Links.isLink(value)) {
                parts.put(e.getKey(), "@" + signature(value.get(0).asString(), prompt, changeToken, done, visiting)
                        + "#" + value.get(1).asInt());
            } else {
                parts.put(e.getKey(), "=" + value);
            }
        });
        List<String> pieces = new ArrayList<>();
        pieces.add(classType);
        pieces.add(changeToken.apply(classType, inputs));
        parts.forEach((k, v) -> pieces.add(k + v));
        String signature = FileStore.sha256(String.join("\u0000", pieces).getBytes(StandardCharsets.UTF_8));
        visiting.remove(id);
        done.put(id, signature);
        return signature;
    }
}
