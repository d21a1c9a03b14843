package io.comfyfleet.gateway.dispatch;

/** What a worker provider knows and the gateway cannot: workers started but not yet heard from, or dead. */
@FunctionalInterface
public interface ProvisioningView {
    /** The view of a gateway whose workers are started by someone else. */
    ProvisioningView NONE = endpoint -> ProvisionedCounts.NONE;

    /** The endpoint's counts now; called on every {@code /health}, so it must be cheap and never throw. */
    ProvisionedCounts counts(String endpoint);

    /**
     * True when the provider is stopping this worker or it has exited: a job-take it left parked must not be
     * given a job, which would otherwise sit leased to a dead worker until its lease ran out. Never throws.
     */
    default boolean isRetired(String workerId) {
        return false;
    }

    /**
     * Every worker the provider is starting (up, not yet asking for jobs), of every endpoint: shared through the
     * store so other gateways count them. Never throws.
     */
    default java.util.List<StartingWorker> starting() {
        return java.util.List.of();
    }

    /** The endpoint's workers the provider knows, by id (the dashboard lists starting and stopped ones). Never throws. */
    default java.util.Map<String, ProvidedWorker> workers(String endpoint) {
        return java.util.Map.of();
    }
}
