package io.comfyfleet.emulator.nodes;

import java.util.List;

/**
 * An emulated Python exception raised by a node while it runs. The engine turns it into ComfyUI's
 * {@code execution_error} with {@link #exceptionType()} (a Python type name such as {@code RuntimeError}
 * or {@code torch.OutOfMemoryError}) and a message the way {@code str(ex)} would print it.
 */
public class NodeFailure extends RuntimeException {
    private final String exceptionType;
    private final String tips;

    public NodeFailure(String exceptionType, String message) {
        this(exceptionType, message, "");
    }

    public NodeFailure(String exceptionType, String message, String tips) {
        super(message);
        this.exceptionType = exceptionType;
        this.tips = tips;
    }

    /** The Python type name reported as {@code exception_type}. */
    public String exceptionType() {
        return exceptionType;
    }

    /** ComfyUI appends tips after the message (only OOM has any); empty otherwise. */
    public String tips() {
        return tips;
    }

    /** The traceback lines ComfyUI sends; ours name the emulated node instead of Python files. */
    public List<String> traceback(String classType) {
        return List.of(
                "  File \"/opt/ComfyUI/execution.py\", line 496, in execute\n"
                        + "    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(...)\n",
                "  File \"comfyfleet-emulator\", line 1, in " + classType + "\n    (emulated node)\n");
    }

    /** Raised for ComfyUI's {@code InterruptProcessingException}: the run stops with execution_interrupted. */
    public static final class Interrupted extends NodeFailure {
        public Interrupted() {
            super("comfy.model_management.InterruptProcessingException", "Processing interrupted");
        }
    }
}
