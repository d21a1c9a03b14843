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

    static Health parse(JsonNode node) {
        JsonNode jobs = node.path("jobs");
        JsonNode workers = node.path("workers");
        return new Health(jobs.path("inQueue").asLong(0), jobs.path("inProgress").asLong(0),
                jobs.path("completed").asLong(0), jobs.path("failed").asLong(0), jobs.path("retried").asLong(0),
                workers.path("idle").asLong(0), workers.path("running").asLong(0), workers.path("ready").asLong(0),
                workers.path("initializing").asLong(0), workers.path("unhealthy").asLong(0), node);
    }
}
