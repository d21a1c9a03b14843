/**
 * The autoscaler loop. The gateway gives it two narrow read-only views
 * ({@link io.comfyfleet.fleet.autoscale.QueueView}, {@link io.comfyfleet.fleet.autoscale.WorkerStates}) and
 * tells it when a worker first asks for a job ({@link io.comfyfleet.fleet.autoscale.Autoscaler#workerReady});
 * it reads {@link io.comfyfleet.fleet.autoscale.Autoscaler#countByState} back for {@code /health}.
 */
package io.comfyfleet.fleet.autoscale;
