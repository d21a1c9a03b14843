package io.comfyfleet.gateway.dispatch;

/**
 * How a ComfyFleet worker says its cold start went, on its first job-take ({@code &coldstart=}); all in
 * milliseconds, measured on the worker's own clock. RunPod's workers send none.
 *
 * @param jvmMs     its process's start until its own code ran (the JVM's boot)
 * @param setupMs   its own code until ComfyUI was launched
 * @param comfyUiMs ComfyUI's launch until it answered (ComfyUI's own start)
 * @param warmupMs  the warm-up workflow, or null when none ran
 * @param takeMs    ComfyUI ready (and warmed up) until this job-take was sent
 */
public record ColdStartReport(long jvmMs, long setupMs, long comfyUiMs, Long warmupMs, long takeMs) {
    public ColdStartReport {
        if (jvmMs < 0 || setupMs < 0 || comfyUiMs < 0 || takeMs < 0 || warmupMs != null && warmupMs < 0) {
            throw new IllegalArgumentException("cold-start segments must not be negative");
        }
    }

    /** Everything the worker measured after its own code began: set-up, ComfyUI, warm-up, the wait to the take. */
    long afterEnteredMs() {
        return setupMs + comfyUiMs + (warmupMs == null ? 0 : warmupMs) + takeMs;
    }
}
