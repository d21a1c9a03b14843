package io.comfyfleet.gateway.admission;

import io.comfyfleet.comfy.workflow.InputCategory;
import io.comfyfleet.comfy.workflow.InputSpec;
import io.comfyfleet.comfy.workflow.NodeCatalog;
import io.comfyfleet.comfy.workflow.NodeType;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One parsed catalogue and the files its ComfyUI had in its input folder when it answered: the options of every
 * upload picker (LoadImage's {@code image}, LoadImageMask's, ...), which list that folder.
 */
record AdmissionCatalogue(String digest, NodeCatalog catalog, Set<String> inputFiles) {

    static AdmissionCatalogue of(String digest, NodeCatalog catalog) {
        Set<String> files = new HashSet<>();
        for (String name : catalog.typeNames()) {
            NodeType type = catalog.type(name).orElseThrow();
            for (InputSpec spec : type.inputs()) {
                if (spec.category() != InputCategory.HIDDEN && spec.isCombo() && spec.uploadKind().isPresent()) {
                    for (JsonNode option : spec.comboOptions().orElse(List.of())) {
                        if (option.isString()) {
                            files.add(option.stringValue());
                        }
                    }
                }
            }
        }
        return new AdmissionCatalogue(digest, catalog, Set.copyOf(files));
    }
}
