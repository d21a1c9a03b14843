package io.comfyfleet.fleet.autoscale;

import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.fleet.scale.QueueSnapshot;
import io.comfyfleet.fleet.scale.ScalingDecision;
import io.comfyfleet.fleet.scale.WorkerView;
import java.time.Instant;
import java.util.List;

/**
 * What the workers of an endpoint should run, and how to move them there: the autoscaler asks it for each
 * endpoint's decision instead of asking the scaling policy alone (roll-outs live in
 * {@code io.comfyfleet.fleet.rollout}). Called from the autoscaler's pass only, one endpoint at a time.
 */
public interface Versioning {

    /**
     * @param decision what to start and stop
     * @param image    the image the started workers run; null for the provider's default
     */
    record Plan(ScalingDecision decision, String image) {}

    /**
     * Decides the endpoint's next step.
     *
     * @param workers the endpoint's workers as the provider lists them
     * @param views   the same workers in RunPod's states, in the same order
     */
    Plan plan(EndpointScaling scaling, QueueSnapshot queue, List<FleetWorker> workers, List<WorkerView> views,
            Instant now);

    /** A worker of {@code image} could not even be started (for example its image could not be pulled). */
    void startFailed(String endpoint, String image, String workerId, RuntimeException cause, Instant now);
}
