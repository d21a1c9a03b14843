package io.comfyfleet.emulator.faults;

/**
 * A fault aimed at a node, by class_type or by node id, that fires when the node reaches {@code step}:
 * 0 means as the node starts; N means instead of reporting progress step N+1, that is after N progress
 * events (a node with fewer steps is hit when it ends).
 */
public record NodeFault(String node, int step) {
    public NodeFault {
        if (node == null || node.isBlank()) {
            throw new IllegalArgumentException("a node fault needs \"node\": a class_type (\"KSampler\") or a node id (\"3\")");
        }
        if (step < 0) {
            throw new IllegalArgumentException("a node fault's \"step\" must be 0 (at start) or more, got " + step);
        }
    }

    public boolean matches(String nodeId, String classType) {
        return node.equals(nodeId) || node.equals(classType);
    }

    /**
     * Parses the flag form {@code NODE} or {@code NODE@STEP} ({@code KSampler@3}, {@code 9}).
     *
     * @throws IllegalArgumentException saying what form is expected
     */
    public static NodeFault parse(String text) {
        int at = text.lastIndexOf('@');
        if (at < 0) {
            return new NodeFault(text, 0);
        }
        try {
            return new NodeFault(text.substring(0, at), Integer.parseInt(text.substring(at + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected NODE or NODE@STEP (e.g. KSampler@3), got '" + text + "'");
        }
    }

    @Override
    public String toString() {
        return node + "@" + step;
    }
}
