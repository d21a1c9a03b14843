package io.comfyfleet.emulator.engine;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ComfyUI's {@code ExecutionList}: which node runs next. Nodes enter in the order a depth-first walk from
 * each output discovers them; cached sources are neither added nor block their consumers; among ready
 * nodes the "UX-friendly" pick prefers output nodes, then nodes that feed an output directly, then at two
 * removes, then the first ready one. Reproducing this gives the recordings' node order.
 */
final class ExecutionList {
    private final ObjectNode prompt;
    private final Predicate<String> isOutputNode;
    private final Predicate<String> isCached;
    private final LinkedHashMap<String, Boolean> pending = new LinkedHashMap<>();
    private final Map<String, Integer> blockCount = new HashMap<>();
    private final Map<String, Set<String>> blocking = new HashMap<>();

    ExecutionList(ObjectNode prompt, Predicate<String> isOutputNode, Predicate<String> isCached) {
        this.prompt = prompt;
        this.isOutputNode = isOutputNode;
        this.isCached = isCached;
    }

    void addNode(String nodeId) {
        Deque<String> stack = new ArrayDeque<>();
        stack.push(nodeId);
        List<String[]> links = new ArrayList<>();
        while (!stack.isEmpty()) {
            String id = stack.pop();
            if (pending.containsKey(id)) {
                continue;
            }
            pending.put(id, Boolean.TRUE);
            blockCount.put(id, 0);
            blocking.put(id, new LinkedHashSet<>());
            JsonNode inputs = prompt.path(id).path("inputs");
            for (Map.Entry<String, JsonNode> input : inputs.properties()) {
                if (Links.isLink(input.getValue())) {
                    String from = input.getValue().get(0).asString();
                    if (!isCached.test(from)) {
                        stack.push(from);
                    }
                    links.add(new String[] {from, id});
                }
            }
        }
        for (String[] link : links) {
            addStrongLink(link[0], link[1]);
        }
    }

    private void addStrongLink(String from, String to) {
        if (isCached.test(from)) {
            return;
        }
        addNode(from);
        if (blocking.get(from).add(to)) {
            blockCount.merge(to, 1, Integer::sum);
        }
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** The next node to run, or null when nothing is ready (a dependency cycle). */
    String stage() {
        List<String> ready = pending.keySet().stream().filter(id -> blockCount.get(id) == 0).toList();
        if (ready.isEmpty()) {
            return null;
        }
        for (String id : ready) {
            if (isOutput(id)) {
                return id;
            }
        }
        for (String id : ready) {
            for (String blocked : blocking.get(id)) {
                if (isOutput(blocked)) {
                    return id;
                }
            }
        }
        for (String id : ready) {
            for (String blocked : blocking.get(id)) {
                for (String blocked2 : blocking.getOrDefault(blocked, Set.of())) {
                    if (isOutput(blocked2)) {
                        return id;
                    }
                }
            }
        }
        return ready.getFirst();
    }

    /** A node still waiting, to name in a dependency-cycle error. */
    String firstPending() {
        return pending.keySet().iterator().next();
    }

    void complete(String nodeId) {
        pending.remove(nodeId);
        for (String blocked : blocking.getOrDefault(nodeId, Set.of())) {
            blockCount.merge(blocked, -1, Integer::sum);
        }
        blocking.remove(nodeId);
    }

    private boolean isOutput(String id) {
        return isOutputNode.test(prompt.path(id).path("class_type").asString(""));
    }
}
