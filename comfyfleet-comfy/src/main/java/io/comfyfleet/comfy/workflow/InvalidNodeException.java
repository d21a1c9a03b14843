package io.comfyfleet.comfy.workflow;

import java.util.Optional;

/**
 * One node of an API-format workflow is malformed: not an object, no usable {@code class_type}, {@code inputs} not
 * an object, or an input that looks like a link but is not {@code ["<node id>", <output index>]}.
 */
public final class InvalidNodeException extends InvalidWorkflowException {
    private final String inputName;

    public InvalidNodeException(String nodeId, String inputName, String message) {
        super(nodeId, message);
        this.inputName = inputName;
    }

    /** The input the problem is in, when it is about one input. */
    public Optional<String> inputName() {
        return Optional.ofNullable(inputName);
    }
}
