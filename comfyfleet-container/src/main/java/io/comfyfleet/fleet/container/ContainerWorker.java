package io.comfyfleet.fleet.container;

import io.comfyfleet.fleet.local.ExitReason;
import io.comfyfleet.fleet.provider.WorkerLife;

/**
 * One worker container: its life as the provider tracks it ({@link WorkerLife}), the engine's id for it, and the
 * reason it gave for exiting, picked from its output ({@link ExitReason}).
 */
record ContainerWorker(WorkerLife life, String containerId, ExitReason output) {}
