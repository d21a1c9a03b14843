package io.comfyfleet.comfy.workflow;

/** The workflow is not JSON, not a JSON object, empty, or nested too deeply to be a workflow. */
public final class WorkflowSyntaxException extends InvalidWorkflowException {
    public WorkflowSyntaxException(String message) {
        super(null, message);
    }

    public WorkflowSyntaxException(String message, Throwable cause) {
        super(null, message, cause);
    }
}
