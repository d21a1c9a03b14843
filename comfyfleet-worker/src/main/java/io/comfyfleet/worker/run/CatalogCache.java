package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.workflow.NodeCatalog;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * This ComfyUI's node catalogue (its /object_info, megabytes), fetched once per ComfyUI process: node types
 * only change when ComfyUI restarts with other custom nodes. Each fetch is also handed to a listener (the
 * gateway report) on a thread of its own, so a job never waits for it.
 */
final class CatalogCache {
    private final ComfyClient comfy;
    private final ComfySupervisor supervisor;
    private final Consumer<JsonNode> onFetched;
    private long key = Long.MIN_VALUE;
    private NodeCatalog catalog;

    CatalogCache(ComfyClient comfy, ComfySupervisor supervisor, Consumer<JsonNode> onFetched) {
        this.comfy = comfy;
        this.supervisor = supervisor;
        this.onFetched = onFetched;
    }

    synchronized NodeCatalog get() {
        long current = supervisor.process().map(ProcessHandle::pid).orElse(-1L);
        if (catalog == null || current != key) {
            JsonNode objectInfo = comfy.objectInfo();
            catalog = NodeCatalog.fromObjectInfo(objectInfo);
            key = current;
            Thread.ofVirtual().name("catalogue-report").start(() -> onFetched.accept(objectInfo));
        }
        return catalog;
    }
}
