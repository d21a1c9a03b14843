package io.comfyfleet.emulator.contract;

import io.comfyfleet.comfy.Json;
import io.comfyfleet.emulator.EmulatorConfig;
import io.comfyfleet.emulator.admission.Admission;
import io.comfyfleet.emulator.engine.Catalogue;
import java.util.ArrayList;
import java.util.List;

/** Builds the emulator configuration the contract tests run with. */
final class ContractFixtures {
    private ContractFixtures() {}

    /**
     * TEMPORARY until io.comfyfleet.comfy.workflow.PromptValidator is merged: accepts every prompt and runs
     * its output nodes; the err_* cases need the real validator and fail meanwhile.
     */
    static EmulatorConfig config(EmulatorConfig.Builder builder, Catalogue catalogue) {
        return builder.admission((prompt, targets) -> {
            List<String> outputs = new ArrayList<>();
            prompt.properties().forEach(e -> {
                if (catalogue.isOutputNode(e.getValue().path("class_type").asString(""))) {
                    outputs.add(e.getKey());
                }
            });
            return new Admission(200, null, null, outputs, Json.MAPPER.createObjectNode());
        }).build();
    }
}
