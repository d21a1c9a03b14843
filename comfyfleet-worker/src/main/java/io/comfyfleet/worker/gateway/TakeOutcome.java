package io.comfyfleet.worker.gateway;

/** What one job-take long-poll came back with. */
public sealed interface TakeOutcome {
    /** The gateway handed over a job. */
    record Job(TakenJob job) implements TakeOutcome {}

    /** The long-poll ended with nothing to do (204, an empty body, or 400 as RunPod's FlashBoot answers). */
    record NoJob() implements TakeOutcome {}

    /** 429: the gateway asks us to slow down before polling again. */
    record Throttled() implements TakeOutcome {}
}
