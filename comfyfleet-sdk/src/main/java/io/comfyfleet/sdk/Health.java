package io.comfyfleet.sdk;

import tools.jackson.databind.JsonNode;

/**
 * An endpoint's {@code /health}: job counts and worker counts.
 *
 * @param raw the answer as sent (RunPod and ComfyFleet may add fields)
 */
public record Health(long inQueue, long inProgress, long completed, long failed, long retried, long workersIdle,
                     long workersRunning, long workersReady, long workersInitializing, long workersUnhealthy,
                     JsonNode raw) {

    /**
     * Why the endpoint's last worker gave up lately (ComfyFleet's {@code lastWorkerFailure}, e.g. "ComfyUI did not
     * start: …"), as its worker said it; empty when none did, or the server is RunPod's.
     */
    public java.util.Optional<String> lastWorkerFailure() {
        JsonNode reason = raw == null ? null : raw.path("lastWorkerFailure").path("reason");
        return reason != null && reason.isString() && !reason.stringValue().isBlank()
                ? java.util.Optional.of(reason.stringValue()) : java.util.Optional.empty();
    }

    static Health parse(JsonNode node) {
        JsonNode jobs = node.path("jobs");
        JsonNode workers = node.path("workers");
        return new Health(jobs.path("inQueue").asLong(0), jobs.path("inProgress").asLong(0),
                jobs.path("completed").asLong(0), jobs.path("failed").asLong(0), jobs.path("retried").asLong(0),
                workers.path("idle").asLong(0), workers.path("running").asLong(0), workers.path("ready").asLong(0),
                workers.path("initializing").asLong(0), workers.path("unhealthy").asLong(0), node);
    }
}
