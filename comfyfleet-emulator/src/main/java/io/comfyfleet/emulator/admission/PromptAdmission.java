package io.comfyfleet.emulator.admission;

import tools.jackson.databind.JsonNode;

/** ComfyUI's {@code validate_prompt}: decides whether a prompt is queued and which outputs run. */
public interface PromptAdmission {
    /**
     * @param prompt                  the {@code prompt} value of the POST /prompt body (any JSON)
     * @param partialExecutionTargets the {@code partial_execution_targets} value, or null
     */
    Admission admit(JsonNode prompt, JsonNode partialExecutionTargets);
}
