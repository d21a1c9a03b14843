package io.comfyfleet.emulator.faults;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** The current {@link FaultPlan}, readable by the engine and replaceable at run time. Thread-safe. */
public final class Faults {
    private final AtomicReference<FaultPlan> plan;
    private final AtomicReference<String> hanging = new AtomicReference<>();
    private final AtomicReference<List<StalledRoute>> stalled = new AtomicReference<>(List.of());
    private final AtomicInteger held = new AtomicInteger();

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

    /** Replaces the routes that get no answer (the {@code stall} knob); empty: every route answers again. */
    public void stall(List<StalledRoute> routes) {
        stalled.set(List.copyOf(routes));
    }

    public List<StalledRoute> stalledRoutes() {
        return stalled.get();
    }

    /** Whether a request of {@code method} to {@code path} (without the {@code /api} prefix) gets no answer now. */
    public boolean stalls(String method, String path) {
        return stalled.get().stream().anyMatch(r -> r.matches(method, path));
    }

    /**
     * How many requests a stall holds right now: a test that stops a caller stuck on a stalled route waits for its
     * request to be held first, or it would stop one that was not yet sent.
     */
    public int heldRequests() {
        return held.get();
    }

    /** Called by the HTTP front end as a stall starts holding a request and when it lets go. */
    public void holding(boolean start) {
        if (start) {
            held.incrementAndGet();
        } else {
            held.decrementAndGet();
        }
    }
}
