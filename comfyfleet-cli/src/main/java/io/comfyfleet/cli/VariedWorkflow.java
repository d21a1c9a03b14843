package io.comfyfleet.cli;

import io.comfyfleet.sdk.Workflow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bench's workflow, one copy per job. With {@code --vary NODE.INPUT} that input is set to a number no other job
 * of the run has, so ComfyUI's cache (which answers an identical prompt at once, as the emulator does too) never
 * turns a job into a no-op; without it every job sends the workflow as given.
 */
final class VariedWorkflow implements Supplier<ObjectNode> {
    private final ObjectNode workflow;
    private final String node;
    private final String input;
    private final AtomicLong jobs = new AtomicLong();

    /** @throws IllegalArgumentException when {@code vary} is not NODE.INPUT of an input the workflow has */
    VariedWorkflow(Workflow workflow, String vary) {
        this.workflow = workflow.json();
        if (vary == null) {
            this.node = null;
            this.input = null;
            return;
        }
        int dot = vary.indexOf('.');
        if (dot <= 0 || dot == vary.length() - 1) {
            throw new IllegalArgumentException("--vary must be NODE.INPUT, e.g. 1.color or 3.seed, got \"" + vary + "\"");
        }
        this.node = vary.substring(0, dot);
        this.input = vary.substring(dot + 1);
        JsonNode inputs = this.workflow.path(node).path("inputs");
        if (!inputs.has(input) || !inputs.get(input).isNumber()) {
            throw new IllegalArgumentException("--vary " + vary + ": the workflow has no numeric input \"" + input
                    + "\" on node \"" + node + "\"; name a seed, a colour or another number ComfyUI accepts any value of");
        }
    }

    @Override
    public ObjectNode get() {
        ObjectNode copy = workflow.deepCopy();
        if (node != null) {
            ((ObjectNode) copy.get(node).get("inputs")).put(input, jobs.incrementAndGet());
        }
        return copy;
    }

    /** The next job's workflow for the SDK. */
    Workflow next() {
        return Workflow.of(get());
    }
}
