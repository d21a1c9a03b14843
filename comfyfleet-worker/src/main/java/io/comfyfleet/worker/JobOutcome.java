package io.comfyfleet.worker;

import tools.jackson.databind.JsonNode;

/** How a job ended on this worker, and so what, if anything, goes to job-done. */
public sealed interface JobOutcome {
    /** Post {@code body} ({@code {"output":…}} or {@code {"error":…, "output":…}}) to job-done. */
    record Finished(JsonNode body) implements JobOutcome {}

    /** The gateway asked to stop it (job-stop): RunPod's protocol says no job-done follows. */
    record Stopped() implements JobOutcome {}

    /**
     * The worker gives the job back without a result (shutting down, or its ComfyUI died and the policy is to
     * hand back): no job-done, and the job drops out of the heartbeat, so the gateway's lease on it runs out
     * and it is queued for another worker.
     */
    record HandedBack(String reason) implements JobOutcome {}
}
