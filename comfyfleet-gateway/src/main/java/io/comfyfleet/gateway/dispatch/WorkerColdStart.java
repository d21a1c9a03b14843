package io.comfyfleet.gateway.dispatch;

/**
 * One worker's cold start split into ComfyFleet's part and ComfyUI's, for {@code /admin} and the dashboard.
 * ComfyFleet's part is {@code startMs + setupMs + takeMs}; ComfyUI's is {@code comfyUiMs}; a warm-up is its own.
 *
 * @param startMs     (a) the provider's start of the worker until the worker's own code ran: the process's
 *                    launch (container, pod) and the JVM's boot. Computed by the gateway as the time from the
 *                    provider's start to the first job-take less what the worker measured after its code began,
 *                    so the two machines' clocks need not agree. When the provider's start is not known here (a
 *                    worker started by someone else), only the JVM's boot ({@code jvmMs}).
 * @param providerKnown whether {@code startMs} is counted from the provider's start (else from the process's)
 * @param jvmMs       the JVM's boot, part of {@code startMs}
 * @param setupMs     (b) the worker's code until ComfyUI was launched
 * @param comfyUiMs   (c) ComfyUI's launch until it answered: ComfyUI's own start
 * @param warmupMs    the warm-up workflow; null when none ran
 * @param takeMs      (d) ComfyUI ready (and warmed up) until the first job-take
 */
public record WorkerColdStart(long startMs, boolean providerKnown, long jvmMs, long setupMs, long comfyUiMs,
        Long warmupMs, long takeMs) {

    /**
     * As JSON fields: {@code comfyFleetMs}, {@code comfyUiMs}, {@code warmupMs} (null when none) and each segment
     * ({@code startMs} (a), {@code setupMs} (b), {@code comfyUiMs} (c), {@code takeMs} (d), {@code jvmMs} within (a));
     * {@code providerKnown} false when (a) counts only the JVM's boot.
     */
    public void writeTo(tools.jackson.databind.node.ObjectNode node) {
        node.put("comfyFleetMs", comfyFleetMs());
        node.put("comfyUiMs", comfyUiMs);
        node.put("warmupMs", warmupMs);
        node.put("startMs", startMs);
        node.put("providerKnown", providerKnown);
        node.put("jvmMs", jvmMs);
        node.put("setupMs", setupMs);
        node.put("takeMs", takeMs);
    }

    /** ComfyFleet's own share: (a) + (b) + (d). */
    public long comfyFleetMs() {
        return startMs + setupMs + takeMs;
    }

    /**
     * The segments as reported on the first job-take {@code tookMs} after the provider started the worker (null:
     * start not known here).
     */
    static WorkerColdStart of(ColdStartReport r, Long sinceProviderStartMs) {
        if (sinceProviderStartMs == null) {
            return new WorkerColdStart(r.jvmMs(), false, r.jvmMs(), r.setupMs(), r.comfyUiMs(), r.warmupMs(), r.takeMs());
        }
        // at least the JVM's boot, which the worker measured: a provider's start recorded a little late (a pod's
        // creation time has whole seconds) must not make the start look shorter than the boot it contains
        long start = Math.max(r.jvmMs(), sinceProviderStartMs - r.afterEnteredMs());
        return new WorkerColdStart(start, true, r.jvmMs(), r.setupMs(), r.comfyUiMs(), r.warmupMs(), r.takeMs());
    }
}
