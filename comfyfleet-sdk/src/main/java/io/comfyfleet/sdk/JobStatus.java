package io.comfyfleet.sdk;

import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A job as {@code /status} shows it.
 *
 * @param id                  the job id
 * @param state               where it is now
 * @param delayTimeMillis     time in the queue
 * @param executionTimeMillis time running
 * @param output              the result when COMPLETED, the latest progress while IN_PROGRESS, null when none
 * @param error               the error text when FAILED or TIMED_OUT, else null
 * @param workerId            the worker holding (or that held) it, or null
 */
public record JobStatus(String id, JobState state, long delayTimeMillis, long executionTimeMillis, JsonNode output,
                        String error, String workerId) {

    static JobStatus parse(JsonNode node, String expectedId) {
        String id = node.path("id").isString() ? node.get("id").asString() : expectedId;
        JsonNode output = node.get("output");
        JsonNode error = node.get("error");
        return new JobStatus(id, JobState.parse(node.path("status").asString(null), id),
                node.path("delayTime").asLong(0), node.path("executionTime").asLong(0),
                output == null || output.isNull() ? null : output,
                error == null || error.isNull() ? null : (error.isString() ? error.asString() : error.toString()),
                node.path("workerId").isString() ? node.get("workerId").asString() : null);
    }

    /** The progress of an IN_PROGRESS job whose worker reported one as a JSON object. */
    public Optional<Progress> progress() {
        if (state != JobState.IN_PROGRESS || output == null || !output.isObject()) {
            return Optional.empty();
        }
        return Optional.of(Progress.parse(output));
    }
}
