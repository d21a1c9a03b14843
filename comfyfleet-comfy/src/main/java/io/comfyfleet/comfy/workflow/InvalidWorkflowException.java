package io.comfyfleet.comfy.workflow;

import io.comfyfleet.comfy.ComfyException;
import java.util.Optional;

/**
 * A workflow that cannot be read as a ComfyUI API-format graph. The message says what to change; subclasses say
 * which kind of problem it is, and {@link #nodeId()} names the node when the problem belongs to one.
 */
public class InvalidWorkflowException extends ComfyException {
    private final String nodeId;

    public InvalidWorkflowException(String nodeId, String message) {
        super(message);
        this.nodeId = nodeId;
    }

    public InvalidWorkflowException(String nodeId, String message, Throwable cause) {
        super(message, cause);
        this.nodeId = nodeId;
    }

    /** The id of the node the problem is in, if it is about one node. */
    public Optional<String> nodeId() {
        return Optional.ofNullable(nodeId);
    }
}
