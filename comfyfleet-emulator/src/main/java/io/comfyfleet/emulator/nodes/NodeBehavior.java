package io.comfyfleet.emulator.nodes;

import io.comfyfleet.emulator.files.FileStore;
import tools.jackson.databind.JsonNode;

/** What one node class does when the engine runs it. Implementations are stateless and thread-safe. */
public interface NodeBehavior {

    /**
     * Runs the node on resolved inputs.
     *
     * @throws NodeFailure the emulated Python exception, reported as {@code execution_error}
     * @throws NodeFailure.Interrupted when an interrupt reached the node
     */
    NodeResult run(NodeCall call);

    /**
     * ComfyUI's {@code IS_CHANGED}: a token that joins the cache signature, so a node whose outside world
     * changed (LoadImage's file) runs again. {@code inputs} are the literal inputs from the prompt.
     */
    default String changeToken(JsonNode inputs, FileStore files) {
        return "";
    }
}
