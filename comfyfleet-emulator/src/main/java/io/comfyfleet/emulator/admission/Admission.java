package io.comfyfleet.emulator.admission;

import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The answer POST /prompt gives after validation: either accepted (outputs to execute, node errors of
 * dropped outputs) or refused with ComfyUI's status and body (400 JSON, or 500 plain text).
 *
 * @param httpStatus      200, 400 or 500
 * @param body            the 400 JSON body ({@code {error, node_errors}}), or null
 * @param textBody        the 500 plain-text body, or null
 * @param outputs         the output node ids to execute when accepted
 * @param nodeErrors      node errors to report with a 200 (outputs that failed while others passed)
 * @param queuedPrompt    the prompt as ComfyUI queues it (values converted during validation), when accepted
 */
public record Admission(int httpStatus, JsonNode body, String textBody, List<String> outputs, ObjectNode nodeErrors,
        ObjectNode queuedPrompt) {
    public boolean accepted() {
        return httpStatus == 200;
    }
}
