package io.comfyfleet.comfy.workflow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Depth-first walks over the links of a parsed workflow: cycle detection and dependency order. Iterative, because
 * a generated workflow can chain thousands of nodes and the call stack should not decide whether it is valid.
 */
final class GraphOrder {
    private enum Mark { VISITING, DONE }

    private GraphOrder() {}

    static void requireAcyclic(Map<String, WorkflowNode> nodes) {
        walk(nodes, nodes.keySet());
    }

    /**
     * The nodes the targets need, dependencies first (post-order of a depth-first walk from each target in the
     * given order, following inputs in their order), each once. Unknown target ids are ignored.
     */
    static List<String> order(Map<String, WorkflowNode> nodes, Collection<String> targets) {
        return walk(nodes, targets);
    }

    private record Frame(String id, Iterator<InputValue.Link> links) {}

    private static List<String> walk(Map<String, WorkflowNode> nodes, Collection<String> starts) {
        Map<String, Mark> marks = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (String start : starts) {
            if (!nodes.containsKey(start) || marks.containsKey(start)) {
                continue;
            }
            Deque<Frame> stack = new ArrayDeque<>();
            marks.put(start, Mark.VISITING);
            stack.push(new Frame(start, nodes.get(start).links().values().iterator()));
            while (!stack.isEmpty()) {
                Frame top = stack.peek();
                if (!top.links().hasNext()) {
                    stack.pop();
                    marks.put(top.id(), Mark.DONE);
                    order.add(top.id());
                    continue;
                }
                String next = top.links().next().nodeId();
                WorkflowNode target = nodes.get(next);
                if (target == null) {
                    continue; // reported by the parser as a missing link target
                }
                Mark mark = marks.get(next);
                if (mark == Mark.VISITING) {
                    throw new WorkflowCycleException(cycle(stack, next));
                }
                if (mark == null) {
                    marks.put(next, Mark.VISITING);
                    stack.push(new Frame(next, target.links().values().iterator()));
                }
            }
        }
        return order;
    }

    /** The stack holds the path (top = deepest); the cycle runs from {@code back} down the path and back to it. */
    private static List<String> cycle(Deque<Frame> stack, String back) {
        List<String> path = new ArrayList<>();
        Iterator<Frame> fromBottom = stack.descendingIterator();
        boolean in = false;
        while (fromBottom.hasNext()) {
            String id = fromBottom.next().id();
            in |= id.equals(back);
            if (in) {
                path.add(id);
            }
        }
        path.add(back);
        return path;
    }
}
