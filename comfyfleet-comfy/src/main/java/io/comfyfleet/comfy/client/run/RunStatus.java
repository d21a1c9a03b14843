package io.comfyfleet.comfy.client.run;

/** How a prompt ended. */
public enum RunStatus {
    /** execution_success: every node ran or came from the cache. */
    SUCCESS,
    /** execution_error: a node raised; see {@link RunResult#error()}. */
    ERROR,
    /** execution_interrupted: stopped by an interrupt while running (ours or anyone's). */
    INTERRUPTED,
    /** Removed from ComfyUI's queue by {@link PromptRun#cancel()} before it started; it never ran. */
    CANCELLED
}
