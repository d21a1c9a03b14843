package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.Prompts;
import io.comfyfleet.comfy.client.QueuedPrompt;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs prompts on one ComfyUI from submit to result: makes sure the event WebSocket is open first, submits
 * under our own prompt id and client id, follows only that prompt's events, ends on execution_success /
 * _error / _interrupted (never waiting for {@code executing: null}, which ComfyUI sometimes omits), then reads
 * the history entry. A dropped socket is reopened and the state reconciled from /history and /queue.
 *
 * <p>All runs share one WebSocket (one client id, {@link #clientId()}), opened by the first run and kept open
 * until {@link #close()}; events are routed to the runs by prompt id. A run whose {@link RunOptions#clientId()}
 * is set gets a socket of its own under that id instead.
 * Thread-safe; one instance per {@link ComfyClient} is enough.
 */
public final class ComfyRunner implements AutoCloseable {
    private final ComfyClient client;
    private final Clock clock;
    private final SharedSocket shared;

    public ComfyRunner(ComfyClient client) {
        this(client, Clock.systemUTC());
    }

    /**
     * @param clock source of the run's deadline, idle checks and timings. Waits themselves use real time,
     *              so a clock that does not advance disables the overall timeout and the idle check.
     */
    public ComfyRunner(ComfyClient client, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.shared = new SharedSocket(client, UUID.randomUUID().toString());
    }

    /** The client id of the shared socket: the one ComfyUI sees for every run without its own. */
    public String clientId() {
        return shared.clientId();
    }

    /**
     * Opens the shared event socket now instead of at the first run, which then finds it open (or, still
     * opening, waits for it). For a caller that knows ComfyUI has just become ready and no run has started yet.
     *
     * @throws io.comfyfleet.comfy.client.ComfyUnavailableException if it cannot be opened; the next run tries again
     * @throws IllegalStateException after {@link #close()}
     */
    public void openSocket() {
        shared.open();
    }

    /**
     * Submits {@code prompt} and returns a handle that follows it in the background.
     *
     * @throws io.comfyfleet.comfy.client.PromptFormatException    if {@code prompt} is null or not an object
     * @throws io.comfyfleet.comfy.client.PromptRejectedException  if ComfyUI refuses it (400 validation, 500)
     * @throws io.comfyfleet.comfy.client.ComfyUnavailableException if ComfyUI cannot be reached
     * @throws IllegalStateException if a run of this runner already follows that prompt id, or after {@link #close()}
     */
    public PromptRun start(JsonNode prompt, RunOptions options, RunListener listener) {
        ObjectNode checked = Prompts.requireObject(prompt);
        RunOptions opts = options == null ? RunOptions.defaults() : options;
        RunListener events = listener == null ? RunListener.none() : listener;
        String promptId = opts.promptIdOrNew();
        String clientId = opts.clientId() != null ? opts.clientId() : shared.clientId();

        RunLoop loop = new RunLoop(client, clock, opts, events, promptId, clientId);
        // the socket must be open before the submit, or the first events (even the terminal one) can be missed
        RunSocket stream = opts.clientId() != null ? DedicatedSocket.open(client, clientId, loop.socketListener())
                : shared.join(promptId, loop.socketListener());
        QueuedPrompt queued;
        try {
            queued = client.queuePrompt(checked, promptId, clientId, opts.extraData());
        } catch (RuntimeException e) {
            stream.close();
            throw e;
        }
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        Thread.ofVirtual().name("comfy-run-" + promptId).start(() -> loop.follow(stream, queued, result));
        return new PromptRun(promptId, clientId, queued, result, loop::requestCancel);
    }

    /**
     * {@link #start} and {@link PromptRun#await()} in one call; if the calling thread is interrupted while
     * waiting, the prompt is cancelled before the interrupt is rethrown.
     */
    public RunResult run(JsonNode prompt, RunOptions options, RunListener listener) throws InterruptedException {
        PromptRun run = start(prompt, options, listener);
        try {
            return run.await();
        } catch (InterruptedException e) {
            run.cancel();
            throw e;
        }
    }

    /** Closes the shared socket. Call once no run is in flight; a later {@link #start} fails. Idempotent. */
    @Override
    public void close() {
        shared.close();
    }
}
