package io.comfyfleet.emulator.admission;

import io.comfyfleet.comfy.workflow.NodeCatalog;
import io.comfyfleet.comfy.workflow.PromptCheck;
import io.comfyfleet.comfy.workflow.PromptValidator;
import io.comfyfleet.comfy.workflow.ValidationContext;
import io.comfyfleet.emulator.engine.Catalogue;
import io.comfyfleet.emulator.files.FileStore;
import io.comfyfleet.emulator.files.FolderType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The emulator's /prompt validation: comfyfleet-comfy's {@link PromptValidator}, which reproduces ComfyUI
 * 0.3.64's answers, with files looked up in the emulator's own folders (so LoadImage sees uploads).
 */
public final class ValidatorAdmission implements PromptAdmission {
    private final NodeCatalog catalog;
    private final ValidationContext context;

    public ValidatorAdmission(Catalogue catalogue, FileStore files) {
        this.catalog = NodeCatalog.fromObjectInfo(catalogue.json());
        this.context = ValidationContext.withFolders(files.root(FolderType.INPUT), files.root(FolderType.OUTPUT),
                files.root(FolderType.TEMP));
    }

    @Override
    public Admission admit(JsonNode prompt, JsonNode partialExecutionTargets) {
        PromptCheck check = PromptValidator.validate(prompt, catalog, context.withPartialExecutionTargets(partialExecutionTargets));
        if (check.httpStatus() == 500) {
            return new Admission(500, null, check.plainTextBody(), java.util.List.of(), check.nodeErrors(), null);
        }
        if (!check.ok()) {
            return new Admission(check.httpStatus(), check.body(), null, java.util.List.of(), check.nodeErrors(), null);
        }
        JsonNode queued = check.prompt();
        return new Admission(200, null, null, check.outputsToExecute(), check.nodeErrors(),
                queued instanceof ObjectNode object ? object : (ObjectNode) prompt);
    }
}
