package io.comfyfleet.emulator.faults;

import java.util.concurrent.atomic.AtomicReference;

/** The current {@link FaultPlan}, readable by the engine and replaceable at run time. Thread-safe. */
public final class Faults {
    private final AtomicReference<FaultPlan> plan;

    public Faults(FaultPlan initial) {
        plan = new AtomicReference<>(initial == null ? FaultPlan.NONE : initial);
    }

    public FaultPlan plan() {
        return plan.get();
    }

    public void replace(FaultPlan next) {
        plan.set(next == null ? FaultPlan.NONE : next);
    }
}
