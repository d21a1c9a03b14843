package io.comfyfleet.fleet.container;

import io.comfyfleet.fleet.provider.WorkerLife;

/** One worker container: its life as the provider tracks it ({@link WorkerLife}) and the engine's id for it. */
record ContainerWorker(WorkerLife life, String containerId) {}
