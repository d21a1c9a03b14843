package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.run.PromptRun;
import java.util.function.Consumer;

/**
 * A job's stop action ({@link io.comfyfleet.worker.JobContext#onStop}), registered before its prompt is submitted.
 * During the submit a stop aborts the POST /prompt in flight: a ComfyUI that takes the connection and never answers
 * would otherwise hold a cancel, or the gateway's timeout, for the whole bound of the call. Once the prompt is
 * accepted, a stop goes to the run ({@code stopRun}: interrupt, and restart a ComfyUI that does not let go).
 *
 * <p>The job's thread calls {@link #submitted} when the submit has ended either way; the stop may come from any
 * thread at any moment, and the lock makes it land on exactly one side of that line.
 */
final class PromptStop implements Runnable {
    private final ComfyClient comfy;
    private final Thread submitter;
    private final Consumer<PromptRun> stopRun;
    private boolean submitting = true;
    private boolean stopped;
    /** The abort interrupted {@link #submitter}: the interrupt was for the submit, and is cleared after it. */
    private boolean aborted;
    private PromptRun run;

    /** For the submit the current thread is about to make. */
    PromptStop(ComfyClient comfy, Consumer<PromptRun> stopRun) {
        this.comfy = comfy;
        this.submitter = Thread.currentThread();
        this.stopRun = stopRun;
    }

    @Override
    public void run() {
        PromptRun toStop;
        synchronized (this) {
            stopped = true;
            if (submitting) {
                comfy.abort(submitter);
                aborted = true;
                return;
            }
            toStop = run;
        }
        if (toStop != null) {
            stopRun.accept(toStop);
        }
    }

    /**
     * Called on the submitting thread when the submit has ended: with {@code accepted}, or null when it failed (aborted
     * or not). From now on a stop goes
     * to the run. A stop that came during the submit is passed on to {@code accepted} now (ComfyUI may have answered
     * as the abort came).
     *
     * @return whether a stop came during the submit
     */
    boolean submitted(PromptRun accepted) {
        boolean stoppedDuringSubmit;
        synchronized (this) {
            submitting = false;
            run = accepted;
            stoppedDuringSubmit = stopped;
            if (aborted) {
                // the abort's interrupt was for the submit; left set it would break the job's next wait. The job ends
                // as stopped (handed back at a shutdown), so a shutdown's interrupt cleared with it is not missed
                Thread.interrupted();
            }
        }
        if (stoppedDuringSubmit && accepted != null) {
            stopRun.accept(accepted);
        }
        return stoppedDuringSubmit;
    }
}
