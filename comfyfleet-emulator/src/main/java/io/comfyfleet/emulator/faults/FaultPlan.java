package io.comfyfleet.emulator.faults;

/**
 * The node-level faults in force; each is null when off. Immutable: the control route replaces the plan.
 *
 * @param fail              raise {@code RuntimeError("failure requested at step N")}
 * @param outOfMemory       raise {@code torch.OutOfMemoryError} with ComfyUI's OOM tips
 * @param hang              never finish; an interrupt ends it unless {@code hangIgnoresInterrupt}
 * @param hangIgnoresInterrupt the hang survives interrupts (only clearing the fault or exit ends it)
 * @param exit              end the process at that point with {@code exitCode}
 * @param exitCode          the exit status
 * @param halt              {@code Runtime.halt} (no shutdown hooks, like a crash) instead of {@code System.exit}
 */
public record FaultPlan(NodeFault fail, NodeFault outOfMemory, NodeFault hang, boolean hangIgnoresInterrupt,
        NodeFault exit, int exitCode, boolean halt) {

    public static final FaultPlan NONE = new FaultPlan(null, null, null, false, null, 1, false);

    public boolean isEmpty() {
        return fail == null && outOfMemory == null && hang == null && exit == null;
    }
}
