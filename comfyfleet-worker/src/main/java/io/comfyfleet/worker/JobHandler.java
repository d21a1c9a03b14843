package io.comfyfleet.worker;

import io.comfyfleet.worker.gateway.TakenJob;

/**
 * Runs one job to its end. The worker calls it on its job thread, one job at a time.
 */
@FunctionalInterface
public interface JobHandler {
    /**
     * Runs {@code job} and says how it ended. Must not throw for a job's own failure (a bad workflow, a node
     * that raised): that is a {@link JobOutcome.Finished} with an {@code error} body. An exception that
     * escapes is reported as the job's error by the worker.
     *
     * @throws InterruptedException when the worker is shutting down hard
     */
    JobOutcome handle(TakenJob job, JobContext context) throws InterruptedException;

    /**
     * Runs once while ComfyUI is starting, before it answers: set-up of the handler's own code that the first job
     * would otherwise pay for after ComfyUI is ready. Must not need ComfyUI; a failure is logged and ignored.
     */
    default void prepare() {}

    /**
     * Runs once after ComfyUI is ready and before the first job is taken, e.g. a warm-up workflow that loads
     * the models. A failure is logged by the worker and does not stop it.
     */
    default void warmUp() throws InterruptedException {}

    /** Releases what the handler keeps open between jobs (e.g. its ComfyUI event socket); called once at exit. */
    default void close() {}
}
