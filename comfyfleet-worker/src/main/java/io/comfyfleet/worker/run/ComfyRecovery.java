package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ComfyTimeoutException;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.run.PromptRun;
import io.comfyfleet.worker.JobOutcome;
import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.gateway.TakenJob;
import io.comfyfleet.worker.supervisor.ComfyStartException;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker does when a job's ComfyUI misbehaves: it is not ready, it died under the job, it stopped answering,
 * a stop order or the execution timeout interrupted a prompt that does not let go, or a node ran out of memory. It
 * decides the job's outcome for those cases (fail or hand back, as configured) and leaves ComfyUI ready for the next
 * job (restart, free memory, wait for the supervisor's restart).
 */
final class ComfyRecovery {
    private static final Logger log = LoggerFactory.getLogger(ComfyRecovery.class);

    private final ComfySupervisor supervisor;
    private final ComfyClient comfy;
    private final WorkerSettings settings;

    ComfyRecovery(ComfySupervisor supervisor, ComfyClient comfy, WorkerSettings settings) {
        this.supervisor = supervisor;
        this.comfy = comfy;
        this.settings = settings;
    }

    /** Waits (up to the supervisor's ready timeout) for a ComfyUI that is starting or restarting. */
    boolean awaitReady() throws InterruptedException {
        return supervisor.state() == ComfySupervisor.State.READY
                || supervisor.awaitReady(settings.supervisor().readyTimeout());
    }

    /** The pid of the ComfyUI a job starts on ({@code -1} when attached), for {@link #died(long)}. */
    long pid() {
        return supervisor.process().map(ProcessHandle::pid).orElse(-1L);
    }

    /** Whether the ComfyUI that was {@code pidAtStart} is gone: a call error is then the crash, not the job. */
    boolean died(long pidAtStart) {
        return supervisor.state() != ComfySupervisor.State.READY || pid() != pidAtStart;
    }

    /** The job's end when its ComfyUI is not there: failed or handed back, by the worker's crash policy. */
    JobOutcome comfyLost(TakenJob job, String reason) {
        return comfyLost(reason, "the worker restarts ComfyUI");
    }

    private JobOutcome comfyLost(String reason, String aftermath) {
        if (settings.job().onComfyCrash() == WorkerSettings.CrashPolicy.HAND_BACK) {
            return new JobOutcome.HandedBack(reason);
        }
        return new JobOutcome.Finished(FailureBodies.reason("comfyui_crashed", reason + "; " + aftermath
                + ". Retry the job."));
    }

    /**
     * ComfyUI took a call of the job and did not answer it within its bound: it is hung, and waiting longer only
     * holds this job and sends the next ones to it. The supervisor ends it and restarts it as after a crash; the job
     * ends as after a crash (failed or handed back), once the next job can find a ComfyUI again.
     */
    JobOutcome afterHung(TakenJob job, long pidAtStart, ComfyTimeoutException e) throws InterruptedException {
        String reason = "ComfyUI stopped answering (" + unanswered(e) + ")";
        log.error("Job {}: {}", job.id(), reason);
        if (!supervisor.restartHung(pidAtStart, unanswered(e))) {
            return comfyLost(reason, "this worker is attached to a ComfyUI it did not launch, and cannot restart it");
        }
        if (!supervisor.awaitReady(settings.supervisor().readyTimeout())) {
            log.error("ComfyUI did not come back after it stopped answering in job {}", job.id());
            return comfyLost(reason, "the worker is restarting ComfyUI");
        }
        return comfyLost(reason, "the worker restarted ComfyUI");
    }

    /**
     * A stop aborted the job's submit. ComfyUI may have queued the prompt all the same (it answered as the abort
     * came, or validates slowly), so it is taken out of the queue, or interrupted if it runs, off the job's thread.
     * A ComfyUI that does not answer that either is hung, and is restarted before the next job finds it.
     */
    void abandoned(String promptId, long pid) {
        Thread.ofVirtual().name("abandoned-" + promptId).start(() -> {
            try {
                comfy.deleteFromQueue(List.of(promptId));
                // only when it runs: a ComfyUI older than 0.3.57 interrupts whatever runs, maybe the next job's prompt
                if (comfy.queue().isRunning(promptId)) {
                    comfy.interrupt(promptId);
                }
            } catch (ComfyTimeoutException e) {
                supervisor.restartHung(pid, unanswered(e));
            } catch (ComfyException e) {
                log.debug("Could not take abandoned prompt {} out of ComfyUI's queue: {}", promptId, e.getMessage());
            }
        });
    }

    private static String unanswered(ComfyTimeoutException e) {
        long ms = e.timeout().toMillis();
        return e.route() + " got no answer within " + (ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms");
    }

    /** ComfyUI died under the job: its outcome, once the next job can find a ComfyUI again. */
    JobOutcome afterCrash(TakenJob job, RuntimeException e) throws InterruptedException {
        String reason = "ComfyUI stopped while running the job (" + e.getMessage() + ")";
        log.error("Job {}: {}", job.id(), reason);
        JobOutcome outcome = comfyLost(job, reason);
        // the next job must find a ComfyUI: wait for the supervisor's restart (or for it to give up)
        if (!supervisor.awaitReady(settings.supervisor().readyTimeout())) {
            log.error("ComfyUI did not come back after job {}", job.id());
        }
        return outcome;
    }

    /** The gateway (or a shutdown) asked to stop: interrupt it, and restart ComfyUI if it does not let go. */
    void stop(PromptRun run) {
        run.cancel();
        Thread.ofVirtual().name("stop-watch-" + run.promptId()).start(() -> {
            try {
                run.future().get(settings.job().interruptGrace().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                restart("prompt " + run.promptId() + " did not stop within "
                        + settings.job().interruptGrace().toSeconds() + " s of an interrupt");
            } catch (Exception e) {
                // ended one way or another: nothing to do
            }
        });
    }

    /** After a timeout the run API has interrupted the prompt; makes sure ComfyUI is really free of it. */
    JobOutcome afterTimeout(String promptId) throws InterruptedException {
        ensureStopped(promptId);
        return new JobOutcome.Finished(FailureBodies.reason("timeout", "The workflow ran longer than this worker's"
                + " execution timeout of " + settings.job().executionTimeout().toSeconds() + " s and was interrupted"));
    }

    private void ensureStopped(String promptId) throws InterruptedException {
        long deadline = System.nanoTime() + settings.job().interruptGrace().toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (!comfy.queue().contains(promptId)) {
                    return;
                }
            } catch (ComfyException e) {
                return; // unreachable: the supervisor's crash handling takes over
            }
            Thread.sleep(200);
        }
        restart("prompt " + promptId + " was still running " + settings.job().interruptGrace().toSeconds()
                + " s after the execution timeout interrupted it");
    }

    /** A node raised: the job fails with its error, and an out-of-memory error frees ComfyUI's memory first. */
    JobOutcome afterNodeError(String promptId, ComfyEvent.ExecutionError error) {
        if (isOutOfMemory(error.exceptionType(), error.exceptionMessage())) {
            log.warn("Prompt {} ran out of memory; asking ComfyUI to free models and caches", promptId);
            try {
                comfy.free(true, true);
            } catch (ComfyException e) {
                log.warn("POST /free failed: {}", e.getMessage());
            }
        }
        return new JobOutcome.Finished(FailureBodies.nodeError(promptId, error));
    }

    static boolean isOutOfMemory(String type, String message) {
        String t = type == null ? "" : type;
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return t.contains("OutOfMemoryError") || m.contains("out of memory") || m.contains("allocation on device");
    }

    private void restart(String reason) {
        try {
            supervisor.restart(reason);
        } catch (ComfyStartException | IllegalStateException e) {
            log.error("ComfyUI restart failed: {}", e.getMessage());
        }
    }
}
