package io.comfyfleet.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A ComfyUI workflow in API format ({@code {"<node id>": {"class_type", "inputs"}}}), as ComfyUI's
 * "Export (API)" writes it. Checked for that shape when created, so a UI-format export fails here, not on a GPU.
 */
public final class Workflow {
    /**
     * Refuses a key written twice: the default keeps the last value silently, so a workflow file with two "seed"
     * lines in a node would run with one of them while its author saw the other.
     */
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final ObjectNode nodes;

    private Workflow(ObjectNode nodes) {
        this.nodes = nodes;
    }

    /** @throws IllegalArgumentException when the JSON is not an API-format workflow, saying why */
    public static Workflow of(JsonNode json) {
        if (json == null || !json.isObject() || json.isEmpty()) {
            throw new IllegalArgumentException("a workflow must be a non-empty JSON object of nodes in API format"
                    + " (ComfyUI: Workflow > Export (API))");
        }
        if (json.has("nodes") && json.has("links")) {
            throw new IllegalArgumentException("this is a UI-format workflow (it has \"nodes\" and \"links\");"
                    + " export it with Workflow > Export (API) instead");
        }
        // the workflow saved with what was sent around it: say which part is the workflow
        if (json.path("input").path("workflow").isObject()) {
            throw new IllegalArgumentException("this is a job request ({\"input\": {\"workflow\": ...}}), not a"
                    + " workflow: give its input.workflow alone (input.images are given as images, e.g. --image)");
        }
        if (json.path("prompt").isObject() && !json.path("prompt").has("class_type")) {
            throw new IllegalArgumentException("this is a ComfyUI /prompt request ({\"prompt\": ...}), not a"
                    + " workflow: give its \"prompt\" value alone");
        }
        for (Map.Entry<String, JsonNode> node : json.properties()) {
            if (!node.getValue().path("class_type").isString()) {
                throw new IllegalArgumentException("workflow node \"" + node.getKey() + "\" has no \"class_type\";"
                        + " is this an API-format export?");
            }
        }
        return new Workflow(((ObjectNode) json).deepCopy());
    }

    /** @throws IllegalArgumentException when the text is not JSON or not an API-format workflow */
    public static Workflow parse(String json) {
        try {
            return of(STRICT.readTree(json));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("the workflow is not valid JSON" + duplicate(e), e);
        }
    }

    /** What Jackson reports, and for a key written twice, which key, in which node and on which line. */
    private static String duplicate(JacksonException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (!message.startsWith("Duplicate Object property") || !(e.processor() instanceof JsonParser parser)) {
            return ": " + message;
        }
        // the parser stands on the second occurrence: its context is the object, named in its parent
        TokenStreamContext parent = parser.streamReadContext().getParent();
        String object = parent == null || parent.pathAsPointer().toString().isEmpty() ? "at the top level"
                : "in the object at " + parent.pathAsPointer();
        return " at line " + parser.currentLocation().getLineNr() + ": the key \"" + parser.streamReadContext()
                .currentName() + "\" appears twice " + object + "; keep the value you mean and remove the other";
    }

    /** Reads an API-format workflow file. */
    public static Workflow read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read workflow " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** A copy of the nodes. */
    public ObjectNode json() {
        return nodes.deepCopy();
    }

    ObjectNode nodes() {
        return nodes;
    }
}
