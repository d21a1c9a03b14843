package io.comfyfleet.comfy.workflow;

/**
 * The workflow is in ComfyUI's UI/graph format (the "Save" file: a {@code nodes} array, {@code links},
 * {@code version}), which ComfyUI's /prompt cannot execute. The fix is on the user's side: export the workflow with
 * "Save (API)" / "Export (API)" in ComfyUI.
 */
public final class WorkflowFormatException extends InvalidWorkflowException {
    public WorkflowFormatException(String message) {
        super(null, message);
    }
}
