package io.comfyfleet.worker;

import io.comfyfleet.worker.supervisor.ComfySupervisor;

/** Builds the job handler once ComfyUI is up: the worker's one seam between its loop and what a job does. */
@FunctionalInterface
public interface JobHandlerFactory {
    JobHandler create(ComfySupervisor supervisor, WorkerSettings settings);
}
