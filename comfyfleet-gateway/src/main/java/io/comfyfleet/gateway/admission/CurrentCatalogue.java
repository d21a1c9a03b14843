package io.comfyfleet.gateway.admission;

import io.comfyfleet.comfy.workflow.NodeCatalog;
import java.util.Set;

/**
 * The node catalogue new jobs of an endpoint are admitted against: its worker version, node types, and the files
 * that version's ComfyUI listed in its input folder.
 */
public record CurrentCatalogue(String version, NodeCatalog catalog, Set<String> inputFiles) {}
