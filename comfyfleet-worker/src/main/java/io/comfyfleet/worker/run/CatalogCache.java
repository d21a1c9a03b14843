package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.workflow.NodeCatalog;
import io.comfyfleet.worker.supervisor.ComfySupervisor;

/**
 * This ComfyUI's node catalogue (its /object_info, megabytes), fetched once per ComfyUI process: node types
 * only change when ComfyUI restarts with other custom nodes.
 */
final class CatalogCache {
    private final ComfyClient comfy;
    private final ComfySupervisor supervisor;
    private long key = Long.MIN_VALUE;
    private NodeCatalog catalog;

    CatalogCache(ComfyClient comfy, ComfySupervisor supervisor) {
        this.comfy = comfy;
        this.supervisor = supervisor;
    }

    synchronized NodeCatalog get() {
        long current = supervisor.process().map(ProcessHandle::pid).orElse(-1L);
        if (catalog == null || current != key) {
            catalog = NodeCatalog.fromObjectInfo(comfy.objectInfo());
            key = current;
        }
        return catalog;
    }
}
