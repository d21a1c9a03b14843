package io.comfyfleet.emulator.faults;

import java.util.concurrent.atomic.AtomicReference;

/** The current {@link FaultPlan}, readable by the engine and replaceable at run time. Thread-safe. */
public final class Faults {
    private final AtomicReference<FaultPlan> plan;
    private final AtomicReference<String> hanging = new AtomicReference<>();

    public Faults(FaultPlan initial) {
        plan = new AtomicReference<>(initial == null ? FaultPlan.NONE : initial);
    }

    public FaultPlan plan() {
        return plan.get();
    }

    public void replace(FaultPlan next) {
        plan.set(next == null ? FaultPlan.NONE : next);
    }

    /**
     * The node a hang fault holds right now, or null. A test that interrupts a hung node reads it first: an
     * interrupt that lands between the node's {@code executing} frame and the hang stops the node before it hangs.
     */
    public String hangingNode() {
        return hanging.get();
    }

    /** Called by the engine as a hang fault starts holding {@code nodeId} and when it lets go. */
    public void hanging(String nodeId) {
        hanging.set(nodeId);
    }
}
