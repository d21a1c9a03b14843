package io.comfyfleet.comfy.workflow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One node of an API-format workflow.
 *
 * @param id        the node id (the key in the workflow object), e.g. {@code "3"} or {@code "57:12"}
 * @param classType the node type, e.g. {@code "KSampler"}
 * @param inputs    input name to value, in the order the workflow gave them
 * @param title     {@code _meta.title}, when the workflow has one
 */
public record WorkflowNode(String id, String classType, Map<String, InputValue> inputs, Optional<String> title) {
    public WorkflowNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(classType, "classType");
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(inputs, "inputs")));
        title = title == null ? Optional.empty() : title;
    }

    /** The input's value, if the node sets it. */
    public Optional<InputValue> input(String name) {
        return Optional.ofNullable(inputs.get(name));
    }

    /** The links this node's inputs make, in input order. */
    public Map<String, InputValue.Link> links() {
        Map<String, InputValue.Link> links = new LinkedHashMap<>();
        inputs.forEach((name, value) -> {
            if (value instanceof InputValue.Link link) {
                links.put(name, link);
            }
        });
        return Collections.unmodifiableMap(links);
    }

    /** A copy of this node with one input set (added or replaced). */
    public WorkflowNode withInput(String name, InputValue value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Map<String, InputValue> copy = new LinkedHashMap<>(inputs);
        copy.put(name, value);
        return new WorkflowNode(id, classType, copy, title);
    }
}
