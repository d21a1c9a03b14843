package io.comfyfleet.comfy.client;

import java.util.List;

/** GET /queue: the running prompt(s) and the pending ones (in ComfyUI's heap order, not sorted). */
public record QueueSnapshot(List<Item> running, List<Item> pending) {
    public QueueSnapshot {
        running = List.copyOf(running);
        pending = List.copyOf(pending);
    }

    /** One queue entry; {@code clientId} is {@code extra_data.client_id}, or null. */
    public record Item(double number, String promptId, String clientId) {}

    public boolean isRunning(String promptId) {
        return running.stream().anyMatch(i -> i.promptId().equals(promptId));
    }

    public boolean isPending(String promptId) {
        return pending.stream().anyMatch(i -> i.promptId().equals(promptId));
    }

    public boolean contains(String promptId) {
        return isRunning(promptId) || isPending(promptId);
    }
}
