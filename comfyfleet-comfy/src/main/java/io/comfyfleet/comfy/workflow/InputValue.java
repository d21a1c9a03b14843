package io.comfyfleet.comfy.workflow;

import java.util.Objects;
import tools.jackson.databind.JsonNode;

/** The value of one node input: either a literal JSON value or a link to another node's output. */
public sealed interface InputValue permits InputValue.Literal, InputValue.Link {

    /** A literal value; {@code {"__value__": [...]}} wrappers are already removed. */
    record Literal(JsonNode value) implements InputValue {
        public Literal {
            Objects.requireNonNull(value, "value");
            value = value.deepCopy();
        }

        @Override
        public JsonNode value() {
            return value.deepCopy();
        }
    }

    /** A link to output {@code outputIndex} (0-based) of node {@code nodeId}. */
    record Link(String nodeId, int outputIndex) implements InputValue {
        public Link {
            Objects.requireNonNull(nodeId, "nodeId");
            if (outputIndex < 0) {
                throw new IllegalArgumentException("outputIndex must be >= 0, got " + outputIndex);
            }
        }
    }
}
