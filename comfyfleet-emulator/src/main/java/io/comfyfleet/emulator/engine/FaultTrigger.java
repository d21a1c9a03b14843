package io.comfyfleet.emulator.engine;

import io.comfyfleet.emulator.faults.FaultPlan;
import io.comfyfleet.emulator.faults.Faults;
import io.comfyfleet.emulator.faults.NodeFault;
import io.comfyfleet.emulator.nodes.ModelResidency;
import io.comfyfleet.emulator.nodes.NodeFailure;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the fault plan at a node's check points: its start, each progress step, and its end. */
final class FaultTrigger {
    private static final Logger LOG = LoggerFactory.getLogger(FaultTrigger.class);
    static final String OOM_TIPS = "This error means you ran out of memory on your GPU.\n\n"
            + "TIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.";

    private final Faults faults;
    private final ModelResidency models;
    private final BooleanSupplier interrupted;
    private final BooleanSupplier closing;

    FaultTrigger(Faults faults, ModelResidency models, BooleanSupplier interrupted, BooleanSupplier closing) {
        this.faults = faults;
        this.models = models;
        this.interrupted = interrupted;
        this.closing = closing;
    }

    /** {@code stepsDone}: progress steps reported so far; {@code atEnd}: the node is about to return. */
    void check(String nodeId, String classType, int stepsDone, boolean atEnd) {
        FaultPlan plan = faults.plan();
        if (plan.isEmpty()) {
            return;
        }
        if (fires(plan.exit(), nodeId, classType, stepsDone, atEnd)) {
            LOG.warn("fault knob: exiting with status {} at node {} ({}) step {}", plan.exitCode(), nodeId, classType, stepsDone);
            if (plan.halt()) {
                Runtime.getRuntime().halt(plan.exitCode());
            }
            System.exit(plan.exitCode());
        }
        if (fires(plan.hang(), nodeId, classType, stepsDone, atEnd)) {
            faults.hanging(nodeId);
            try {
                hang(plan.hangIgnoresInterrupt());
            } finally {
                faults.hanging(null);
            }
        }
        if (fires(plan.outOfMemory(), nodeId, classType, stepsDone, atEnd)) {
            models.unloadAll();
            throw new NodeFailure("torch.OutOfMemoryError", "Allocation on device 0 would exceed allowed memory. "
                    + "(out of memory)\nCurrently allocated     : 78.21 GiB\nRequested               : 2.00 GiB", OOM_TIPS);
        }
        if (fires(plan.fail(), nodeId, classType, stepsDone, atEnd)) {
            throw new NodeFailure("RuntimeError", "failure requested at step " + plan.fail().step());
        }
    }

    private static boolean fires(NodeFault fault, String nodeId, String classType, int stepsDone, boolean atEnd) {
        return fault != null && fault.matches(nodeId, classType)
                && (stepsDone == fault.step() || (atEnd && stepsDone < fault.step()));
    }

    /** Blocks until interrupted (unless ignored), the hang is lifted over the control route, or shutdown. */
    private void hang(boolean ignoreInterrupt) {
        LOG.warn("fault knob: node hangs{}", ignoreInterrupt ? " and ignores interrupts" : "");
        while (faults.plan().hang() != null && !closing.getAsBoolean()) {
            if (!ignoreInterrupt && interrupted.getAsBoolean()) {
                throw new NodeFailure.Interrupted();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NodeFailure.Interrupted();
            }
        }
        if (closing.getAsBoolean()) {
            throw new NodeFailure.Interrupted();
        }
    }
}
