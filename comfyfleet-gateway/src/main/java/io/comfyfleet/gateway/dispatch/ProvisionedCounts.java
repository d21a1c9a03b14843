package io.comfyfleet.gateway.dispatch;

import java.util.Set;

/**
 * Workers of one endpoint that only their provider knows of.
 *
 * @param initializing started, not yet asking for jobs (the cold start)
 * @param throttled    exist but cannot run for lack of host capacity
 * @param failed       exited on their own and not yet replaced
 * @param retired      ids of workers being stopped or gone: the registry no longer counts them, though they may
 *                     have called within its liveness window
 */
public record ProvisionedCounts(int initializing, int throttled, int failed, Set<String> retired) {
    /** No provider: nothing starting, nothing failed. */
    public static final ProvisionedCounts NONE = new ProvisionedCounts(0, 0, 0, Set.of());

    public ProvisionedCounts {
        retired = Set.copyOf(retired);
    }
}
