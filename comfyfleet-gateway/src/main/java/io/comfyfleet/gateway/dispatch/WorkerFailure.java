package io.comfyfleet.gateway.dispatch;

import java.time.Instant;

/**
 * The last time a worker of an endpoint told a gateway it gave up ({@code ping?status=unhealthy&reason=…}), e.g.
 * because its ComfyUI did not start. Shown on {@code /health}, so a client whose job waits with no worker up can say
 * why without reaching the machine the workers run on.
 *
 * @param workerId the worker that gave up
 * @param check    what failed, as the worker names it ({@code comfyui_start}, {@code comfyui_crash_loop}), or null
 * @param reason   its one-line reason, cut to {@link #MAX_REASON} characters
 * @param at       when the gateway heard it (with several gateways, the one the ping reached)
 */
public record WorkerFailure(String workerId, String check, String reason, Instant at) {
    /** A worker cuts its reason to 256 characters; this bounds what any client may make the gateway keep. */
    public static final int MAX_REASON = 500;
    /** The check is a name ({@code comfyui_start}); any worker key may send one, so it is bounded too. */
    public static final int MAX_CHECK = 64;
}
