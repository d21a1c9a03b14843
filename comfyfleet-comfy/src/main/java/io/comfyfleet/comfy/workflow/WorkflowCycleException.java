package io.comfyfleet.comfy.workflow;

import java.util.List;

/** The links form a cycle, so no node in it could ever run. */
public final class WorkflowCycleException extends InvalidWorkflowException {
    private final List<String> cycle;

    public WorkflowCycleException(List<String> cycle) {
        super(cycle.getFirst(), "the links form a cycle: " + String.join(" -> ", cycle.stream().map(Names::quote).toList())
                + "; a node cannot depend on its own output, remove one of these links");
        this.cycle = List.copyOf(cycle);
    }

    /** The node ids along the cycle, first id repeated at the end. */
    public List<String> cycle() {
        return cycle;
    }
}
