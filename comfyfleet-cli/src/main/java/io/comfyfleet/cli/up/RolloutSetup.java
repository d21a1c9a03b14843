package io.comfyfleet.cli.up;

import io.comfyfleet.core.endpoint.EndpointSettingsStore;
import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.rollout.Rollouts;
import io.comfyfleet.fleet.rollout.StoredEndpoints;
import io.comfyfleet.fleet.scale.EndpointScaling;
import java.util.List;

/**
 * Makes the autoscaler read each endpoint's settings from the job store at every pass (what the admin API
 * changes) and roll its workers over to a new image.
 */
final class RolloutSetup {
    private RolloutSetup() {}

    /** @param configured the endpoints of the configuration file, used until the store has a row for one */
    static Rollouts attach(Autoscaler autoscaler, EndpointSettingsStore store, WorkerProvider provider,
            List<EndpointScaling> configured) {
        StoredEndpoints endpoints = new StoredEndpoints(store, configured);
        Rollouts rollouts = new Rollouts(endpoints, store, provider, Rollouts.DEFAULT_MAX_FAILURES);
        autoscaler.readSettingsFrom(endpoints);
        autoscaler.rollOutWith(rollouts);
        return rollouts;
    }
}
