package io.comfyfleet.worker;

import io.comfyfleet.worker.supervisor.ComfySupervisor;

/**
 * Builds the job handler while ComfyUI starts (its set-up then costs the cold start nothing): the worker's one seam
 * between its loop and what a job does. The handler must not call ComfyUI before {@link JobHandler#warmUp} or
 * {@link JobHandler#handle}, which run only once ComfyUI is ready; it is closed when ComfyUI never comes up.
 */
@FunctionalInterface
public interface JobHandlerFactory {
    JobHandler create(ComfySupervisor supervisor, WorkerSettings settings);
}
