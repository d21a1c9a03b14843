/**
 * The scaling simulator: replays a trace of job arrivals through the production {@code Autoscaler} (and so its
 * {@code ScalingPolicy}) on a simulated clock, with simulated workers whose cold starts follow a distribution, and
 * reports queue waits, GPU-seconds and cold starts. Front door: {@link io.comfyfleet.fleet.sim.Simulator}; traces
 * are read by {@link io.comfyfleet.fleet.sim.TraceCsv} and made by {@link io.comfyfleet.fleet.sim.TraceGenerator}.
 */
package io.comfyfleet.fleet.sim;
