/**
 * The scaling rules: an endpoint's settings ({@link io.comfyfleet.fleet.scale.EndpointScaling}), RunPod's worker
 * states, and {@link io.comfyfleet.fleet.scale.ScalingPolicy}, a pure function from (queue, workers, settings,
 * time) to a decision. No clock, no I/O: {@code autoscale} feeds it and carries its decisions out.
 */
package io.comfyfleet.fleet.scale;
