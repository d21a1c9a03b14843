package io.comfyfleet.comfy.client;

import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.events.EventParser;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * One entry of GET /history/{id}, written by ComfyUI when a prompt ended. {@code statusStr} is
 * {@code "success"} or {@code "error"} (interrupts too); {@code messages} are the events ComfyUI recorded
 * (execution_start, execution_cached, then execution_success / _error / _interrupted), typed;
 * {@code outputs} is {@code {node_id: {key: [...]}}}; {@code raw} is the whole entry.
 */
public record HistoryEntry(String promptId, String statusStr, boolean completed, List<ComfyEvent> messages,
                           JsonNode outputs, JsonNode raw) {
    public HistoryEntry {
        messages = List.copyOf(messages);
    }

    static HistoryEntry parse(String promptId, JsonNode entry) {
        if (entry == null || !entry.isObject()) {
            throw new ComfyProtocolException("history entry of " + promptId + " is not an object: " + entry);
        }
        JsonNode status = entry.path("status");
        List<ComfyEvent> messages = new ArrayList<>();
        for (JsonNode m : status.path("messages")) {
            if (m.isArray() && m.size() >= 2 && m.get(0).isString()) {
                messages.add(EventParser.fromTypeAndData(m.get(0).asString(), m.get(1)));
            }
        }
        JsonNode outputs = entry.path("outputs");
        return new HistoryEntry(promptId, status.path("status_str").asString(null),
                status.path("completed").asBoolean(false), messages, outputs, entry);
    }

    /** The terminal event ComfyUI recorded (success, error or interrupted), or null if none is recorded. */
    public ComfyEvent terminalMessage() {
        ComfyEvent last = null;
        for (ComfyEvent e : messages) {
            if (e instanceof ComfyEvent.ExecutionSuccess || e instanceof ComfyEvent.ExecutionInterrupted
                    || (e instanceof ComfyEvent.ExecutionError err && !err.isBlockedNotice())) {
                last = e;
            }
        }
        return last;
    }
}
