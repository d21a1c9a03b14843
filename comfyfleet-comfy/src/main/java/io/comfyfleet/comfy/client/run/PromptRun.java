package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.comfy.client.QueuedPrompt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A prompt that ComfyUI accepted and this client is following. {@link #await()} gives its result;
 * {@link #cancel()} stops it (interrupt if running, remove from the queue if pending).
 */
public final class PromptRun {
    private final String promptId;
    private final String clientId;
    private final QueuedPrompt queued;
    private final CompletableFuture<RunResult> result;
    private final Runnable cancel;

    PromptRun(String promptId, String clientId, QueuedPrompt queued, CompletableFuture<RunResult> result,
              Runnable cancel) {
        this.promptId = promptId;
        this.clientId = clientId;
        this.queued = queued;
        this.result = result;
        this.cancel = cancel;
    }

    public String promptId() {
        return promptId;
    }

    public String clientId() {
        return clientId;
    }

    /** ComfyUI's answer to the submit. */
    public QueuedPrompt queued() {
        return queued;
    }

    /**
     * Waits for the end of the run (bounded by {@link RunOptions#timeout()}).
     *
     * @throws RunTimeoutException    if it did not end in time
     * @throws PromptLostException    if ComfyUI forgot the prompt (restart, queue cleared)
     * @throws io.comfyfleet.comfy.client.ComfyTimeoutException if ComfyUI, quiet for the idle check interval, took
     *                                the check's call and did not answer it within the client's quick-call bound: hung
     * @throws ComfyException         other failures (ComfyUI unreachable after reconnect attempts, ...)
     * @throws InterruptedException   if the waiting thread is interrupted (the run goes on; cancel it if needed)
     */
    public RunResult await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ComfyException ce) {
                throw ce;
            }
            throw new ComfyException("run of prompt " + promptId + " failed: " + cause, cause);
        }
    }

    /** The result as a future, for callers that compose. */
    public CompletableFuture<RunResult> future() {
        return result.copy();
    }

    /**
     * Asks the run to stop: the prompt is removed from ComfyUI's queue if pending and interrupted if running.
     * Returns at once; {@link #await()} then yields {@link RunStatus#INTERRUPTED} or {@link RunStatus#CANCELLED}
     * (or the real end, if it finished first).
     */
    public void cancel() {
        cancel.run();
    }

    public boolean isDone() {
        return result.isDone();
    }
}
