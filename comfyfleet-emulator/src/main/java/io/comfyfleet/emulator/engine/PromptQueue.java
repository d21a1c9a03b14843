package io.comfyfleet.emulator.engine;

import io.comfyfleet.common.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.IntConsumer;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ComfyUI's {@code PromptQueue}: a min-heap of pending prompts, the running ones, the history, and the
 * /free flags. Every put, pop, task_done, wipe and delete reports the new {@code queue_remaining}
 * (pending + running) to a listener, under the lock so the resulting status broadcasts keep their order.
 */
public final class PromptQueue {
    /** What the worker took: the item and its task id for {@link #taskDone}. */
    public record Taken(long taskId, QueueItem item) {}

    /** POST /free's flags, consumed by the worker between prompts. */
    public record FreeFlags(boolean unloadModels, boolean freeMemory) {
        static final FreeFlags NONE = new FreeFlags(false, false);
    }

    private final PriorityQueue<QueueItem> pending = new PriorityQueue<>(QueueItem.HEAP_ORDER);
    private final Map<Long, QueueItem> running = new LinkedHashMap<>();
    private final History history;
    private final IntConsumer onChange;
    private long taskCounter;
    private FreeFlags flags = FreeFlags.NONE;

    public PromptQueue(History history, IntConsumer onChange) {
        this.history = history;
        this.onChange = onChange;
    }

    public synchronized void put(QueueItem item) {
        pending.add(item);
        changed();
        notifyAll();
    }

    /** Waits up to {@code timeout} for a prompt (or /free flags) and marks the prompt running. */
    public synchronized Optional<Taken> take(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.isEmpty() && flags == FreeFlags.NONE) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            wait(Math.max(1, left / 1_000_000));
        }
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        QueueItem item = pending.poll();
        long id = taskCounter++;
        running.put(id, item);
        changed();
        return Optional.of(new Taken(id, item));
    }

    /** The prompt finished: it leaves the running set and its history entry becomes visible. */
    public synchronized void taskDone(long taskId, ObjectNode historyEntry) {
        QueueItem item = running.remove(taskId);
        if (item != null) {
            history.put(item.promptId(), historyEntry);
        }
        changed();
    }

    public synchronized int remaining() {
        return pending.size() + running.size();
    }

    /** GET /queue: running items, and pending items in heap order (not sorted), as ComfyUI lists them. */
    public synchronized ObjectNode snapshot() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode run = out.putArray("queue_running");
        running.values().forEach(i -> run.add(i.toJson()));
        ArrayNode wait = out.putArray("queue_pending");
        pending.forEach(i -> wait.add(i.toJson()));
        return out;
    }

    /** The prompt id currently running, if any (targeted interrupts compare against it). */
    public synchronized Optional<String> runningPromptId() {
        return running.values().stream().map(QueueItem::promptId).findFirst();
    }

    public synchronized void wipe() {
        pending.clear();
        changed();
    }

    /** Removes pending prompts only; the running one is untouched. */
    public synchronized void delete(Collection<String> promptIds) {
        List<QueueItem> doomed = new ArrayList<>();
        for (QueueItem item : pending) {
            if (promptIds.contains(item.promptId())) {
                doomed.add(item);
            }
        }
        if (!doomed.isEmpty()) {
            pending.removeAll(doomed);
            changed();
        }
    }

    public synchronized void setFlags(boolean unloadModels, boolean freeMemory) {
        flags = new FreeFlags(flags.unloadModels || unloadModels || freeMemory, flags.freeMemory || freeMemory);
        notifyAll();
    }

    synchronized FreeFlags takeFlags() {
        FreeFlags taken = flags;
        flags = FreeFlags.NONE;
        return taken;
    }

    public History history() {
        return history;
    }

    private void changed() {
        onChange.accept(pending.size() + running.size());
    }
}
