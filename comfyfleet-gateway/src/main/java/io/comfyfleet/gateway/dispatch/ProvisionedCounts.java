package io.comfyfleet.gateway.dispatch;

import java.util.Set;

/**
 * Workers of one endpoint that only their provider knows of.
 *
 * @param initializing started, not yet asking for jobs (the cold start)
 * @param throttled    exist but cannot run for lack of host capacity
 * @param failed       exited on their own and not yet replaced
 * @param counted      ids of the workers counted above, and of those being stopped or gone: the registry does not
 *                     count them again (a worker calls the registry a moment before the provider marks it ready;
 *                     a stopped one may have called within the liveness window)
 */
public record ProvisionedCounts(int initializing, int throttled, int failed, Set<String> counted) {
    /** No provider: nothing starting, nothing failed. */
    public static final ProvisionedCounts NONE = new ProvisionedCounts(0, 0, 0, Set.of());

    public ProvisionedCounts {
        counted = Set.copyOf(counted);
    }
}
