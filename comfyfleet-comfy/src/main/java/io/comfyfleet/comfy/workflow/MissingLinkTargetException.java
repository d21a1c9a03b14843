package io.comfyfleet.comfy.workflow;

/** An input links to a node id that is not in the workflow. */
public final class MissingLinkTargetException extends InvalidWorkflowException {
    private final String inputName;
    private final String targetNodeId;

    public MissingLinkTargetException(String nodeId, String inputName, String targetNodeId) {
        super(nodeId, "node " + Names.quote(nodeId) + " input " + Names.quote(inputName) + " links to node "
                + Names.quote(targetNodeId) + ", which is not in the workflow; link it to an existing node id or"
                + " remove the link");
        this.inputName = inputName;
        this.targetNodeId = targetNodeId;
    }

    public String inputName() {
        return inputName;
    }

    public String targetNodeId() {
        return targetNodeId;
    }
}
