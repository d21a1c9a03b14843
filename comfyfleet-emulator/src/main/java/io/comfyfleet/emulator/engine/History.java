package io.comfyfleet.emulator.engine;

import io.comfyfleet.common.json.Json;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/** Finished prompts, oldest first, capped like ComfyUI's MAXIMUM_HISTORY_SIZE. Thread-safe. */
public final class History {
    static final int MAXIMUM_SIZE = 10_000;
    private final LinkedHashMap<String, ObjectNode> entries = new LinkedHashMap<>();

    synchronized void put(String promptId, ObjectNode entry) {
        entries.remove(promptId);
        entries.put(promptId, entry);
        while (entries.size() > MAXIMUM_SIZE) {
            entries.remove(entries.keySet().iterator().next());
        }
    }

    /** {@code {prompt_id: entry}}, or {@code {}} when unknown or not finished yet. */
    public synchronized ObjectNode one(String promptId) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ObjectNode entry = entries.get(promptId);
        if (entry != null) {
            out.set(promptId, entry.deepCopy());
        }
        return out;
    }

    /**
     * GET /history as ComfyUI 0.3.64 computes it: with {@code offset < 0} and a {@code maxItems}, the newest
     * {@code maxItems}; otherwise up to {@code maxItems} entries starting at index {@code offset}.
     */
    public synchronized ObjectNode list(Integer maxItems, int offset) {
        int from = offset < 0 && maxItems != null ? entries.size() - maxItems : offset;
        ObjectNode out = Json.MAPPER.createObjectNode();
        int i = 0;
        for (Map.Entry<String, ObjectNode> entry : entries.entrySet()) {
            if (i >= from) {
                out.set(entry.getKey(), entry.getValue().deepCopy());
                if (maxItems != null && out.size() >= maxItems) {
                    break;
                }
            }
            i++;
        }
        return out;
    }

    public synchronized void clear() {
        entries.clear();
    }

    public synchronized void delete(Collection<String> promptIds) {
        promptIds.forEach(entries::remove);
    }
}
