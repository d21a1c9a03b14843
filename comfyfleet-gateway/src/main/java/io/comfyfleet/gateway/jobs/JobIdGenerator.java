package io.comfyfleet.gateway.jobs;

import java.util.UUID;

/** RunPod-like job ids: a random UUID with a {@code -u1} suffix; runsync jobs get a {@code sync-} prefix. */
final class JobIdGenerator {
    String next(boolean sync) {
        String id = UUID.randomUUID() + "-u1";
        return sync ? "sync-" + id : id;
    }
}
