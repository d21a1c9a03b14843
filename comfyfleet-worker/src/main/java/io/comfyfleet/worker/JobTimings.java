package io.comfyfleet.worker;

import java.time.Duration;

/**
 * Monotonic ({@link System#nanoTime()}) marks of one job's trip through this worker, for measuring the
 * worker's own overhead around ComfyUI. Recorded for every job whose result the gateway accepted; a mark
 * that was never reached (e.g. the job failed before its prompt was submitted) is {@code 0}.
 *
 * @param takenNanos the job-take answer arrived with this job
 * @param promptSubmittedNanos ComfyUI accepted the prompt ({@code POST /prompt} answered)
 * @param comfyDoneNanos the prompt runner reported the prompt finished (ComfyUI's terminal event, and its
 *     {@code /history} entry when the run needed one)
 * @param resultReadyNanos the job's handler returned the result body (outputs collected and encoded)
 * @param resultPostedNanos the gateway accepted the job-done post
 */
public record JobTimings(String jobId, long takenNanos, long promptSubmittedNanos, long comfyDoneNanos,
                         long resultReadyNanos, long resultPostedNanos) {

    /** Whether every mark was reached, so both overheads are defined. */
    public boolean complete() {
        return takenNanos != 0 && promptSubmittedNanos != 0 && comfyDoneNanos != 0 && resultReadyNanos != 0
                && resultPostedNanos != 0;
    }

    /** Worker overhead before ComfyUI: job taken → prompt submitted (input staging, validation, POST /prompt). */
    public Duration takenToSubmitted() {
        return Duration.ofNanos(promptSubmittedNanos - takenNanos);
    }

    /** Worker overhead after ComfyUI: ComfyUI done → job-done accepted (outputs, result body, spool, post). */
    public Duration doneToPosted() {
        return Duration.ofNanos(resultPostedNanos - comfyDoneNanos);
    }

    /** The first part of {@link #doneToPosted()}: ComfyUI done → result body built (outputs collected and encoded). */
    public Duration doneToReady() {
        return Duration.ofNanos(resultReadyNanos - comfyDoneNanos);
    }
}
