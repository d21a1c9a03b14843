package io.comfyfleet.gateway.dispatch;

/** What a worker provider knows and the gateway cannot: workers started but not yet heard from, or dead. */
@FunctionalInterface
public interface ProvisioningView {
    /** The view of a gateway whose workers are started by someone else. */
    ProvisioningView NONE = endpoint -> ProvisionedCounts.NONE;

    /** The endpoint's counts now; called on every {@code /health}, so it must be cheap and never throw. */
    ProvisionedCounts counts(String endpoint);
}
