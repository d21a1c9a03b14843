package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ComfyHttpException;
import io.comfyfleet.comfy.client.ComfyTimeoutException;
import io.comfyfleet.comfy.client.ComfyUnavailableException;
import io.comfyfleet.comfy.client.HistoryEntry;
import io.comfyfleet.comfy.client.QueueSnapshot;
import io.comfyfleet.comfy.client.QueuedPrompt;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.events.ComfyEventListener;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine of one run, on its own thread. Socket callbacks and cancel requests only enqueue
 * signals; everything else (listener calls, HTTP reconciliation) happens here, so no state is shared.
 */
final class RunLoop {
    private static final Logger log = LoggerFactory.getLogger(RunLoop.class);
    private static final Duration RESTOP_INTERVAL = Duration.ofSeconds(1);
    /** The longest wait between two history reads after the terminal event when no frame says it is written. */
    private static final Duration MAX_HISTORY_WAIT_STEP = Duration.ofMillis(250);

    private sealed interface Signal {}

    private record Event(ComfyEvent event) implements Signal {}

    private record SocketLost(String reason) implements Signal {}

    private record Cancel() implements Signal {}

    private final ComfyClient client;
    private final Clock clock;
    private final RunOptions options;
    private final RunListener listener;
    private final String promptId;
    private final String clientId;
    private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private final EventGate gate;
    private final Instant submitted;
    private final Instant deadline;

    private final Set<String> executedNodes = new LinkedHashSet<>();
    private final List<String> cachedNodes = new ArrayList<>();
    /**
     * Each node's latest {@code executed} output, in the order the nodes first reported; a node's history entry
     * holds its latest UI output too.
     */
    private final Map<String, RunOutputs> liveOutputs = new LinkedHashMap<>();
    private Instant executionStarted;
    private String lastSeen = "nothing yet";
    private boolean cancelRequested;
    private Instant lastStopRequest;
    private int reconnects;
    /** Delivered events that show this prompt moving; custom frames without an id (system monitors) do not. */
    private int newsCount;

    RunLoop(ComfyClient client, Clock clock, RunOptions options, RunListener listener, String promptId,
            String clientId) {
        this.client = client;
        this.clock = clock;
        this.options = options;
        this.listener = listener;
        this.promptId = promptId;
        this.clientId = clientId;
        this.gate = new EventGate(promptId);
        this.submitted = clock.instant();
        this.deadline = submitted.plus(options.timeout());
    }

    ComfyEventListener socketListener() {
        return new ComfyEventListener() {
            @Override
            public void onEvent(ComfyEvent event) {
                signals.add(new Event(event));
            }

            @Override
            public void onClosed(int statusCode, String reason) {
                signals.add(new SocketLost("closed with " + statusCode + (reason.isEmpty() ? "" : " " + reason)));
            }

            @Override
            public void onError(Throwable error) {
                signals.add(new SocketLost("failed: " + error));
            }
        };
    }

    void requestCancel() {
        signals.add(new Cancel());
    }

    void follow(RunSocket stream, QueuedPrompt queued, CompletableFuture<RunResult> result) {
        try {
            result.complete(loop(stream, queued));
        } catch (Throwable t) {
            result.completeExceptionally(t);
        } finally {
            stream.close();
        }
    }

    private RunResult loop(RunSocket stream, QueuedPrompt queued) throws InterruptedException {
        // quiet = no news about *this* prompt; broadcasts (status, custom monitors) do not count
        Instant lastNews = clock.instant();
        while (true) {
            Instant now = clock.instant();
            Duration left = Duration.between(now, deadline);
            if (left.isNegative() || left.isZero()) {
                throw timedOut();
            }
            Duration quiet = Duration.between(lastNews, now);
            if (quiet.compareTo(options.idleCheckInterval()) >= 0) {
                RunResult done = idleCheck(queued, quiet.toMillis());
                if (done != null) {
                    return done;
                }
                repeatStopIfCancelled();
                lastNews = clock.instant();
                continue;
            }
            long waitMs = Math.max(1, Math.min(left.toMillis(), options.idleCheckInterval().minus(quiet).toMillis()));
            Signal signal = signals.poll(waitMs, TimeUnit.MILLISECONDS);
            if (signal == null) {
                continue;
            }
            int news = newsCount;
            RunResult done = switch (signal) {
                case Event e -> onEvent(e.event(), queued);
                case SocketLost lost -> reconnectAndReconcile(stream, queued, lost.reason());
                case Cancel c -> cancel(queued);
            };
            if (done != null) {
                return done;
            }
            if (newsCount != news || !(signal instanceof Event)) {
                lastNews = clock.instant();
            }
            if (newsCount != news) {
                repeatStopIfCancelled();
            }
        }
    }

    /**
     * A quiet socket may be a dead one that never reported it, so look at /history and /queue. A failed look
     * is not a verdict: the deadline still bounds the run, and a dead ComfyUI also drops the socket. A look that
     * ComfyUI takes and does not answer within the client's bound is one: ComfyUI is hung (which is also why the
     * socket is quiet), and the run ends with that {@link ComfyTimeoutException} instead of waiting out the deadline.
     */
    private RunResult idleCheck(QueuedPrompt queued, long quietMs) {
        try {
            return reconcile(queued, "no event for " + quietMs + " ms");
        } catch (ComfyUnavailableException | ComfyHttpException e) {
            log.warn("idle check of prompt {} failed, will look again: {}", promptId, e.getMessage());
            return null;
        }
    }

    private RunResult onEvent(ComfyEvent event, QueuedPrompt queued) throws InterruptedException {
        if (event instanceof ComfyEvent.Executing ex && ex.isEndMarker() && promptId.equals(ex.promptId())
                && !gate.terminalSeen()) {
            // the end marker without a terminal event: we missed it, and history is written by now
            return reconcile(queued, "end marker without a terminal event");
        }
        if (!gate.admit(event)) {
            return null;
        }
        deliver(event);
        return EventGate.isTerminal(event) ? finish(event, queued) : null;
    }

    private void deliver(ComfyEvent event) {
        if (!(event instanceof ComfyEvent.Unknown)) {
            newsCount++;
        }
        track(event);
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            log.warn("run listener of prompt {} failed on {}", promptId, event.type(), e);
        }
    }

    private void track(ComfyEvent event) {
        lastSeen = event.type();
        switch (event) {
            case ComfyEvent.ExecutionStart s -> executionStarted = Instant.ofEpochMilli(s.timestamp());
            case ComfyEvent.ExecutionCached c -> cachedNodes.addAll(c.nodes());
            case ComfyEvent.Executing ex -> {
                if (ex.node() != null) {
                    executedNodes.add(ex.node());
                    lastSeen = "executing node " + ex.node();
                }
            }
            case ComfyEvent.Progress p -> lastSeen = "progress " + p.value() + "/" + p.max() + " of node " + p.node();
            case ComfyEvent.Executed ex -> liveOutputs.put(ex.node(), RunOutputs.fromNodeOutput(ex.node(), ex.output()));
            default -> { }
        }
    }

    /**
     * After the terminal event. ComfyUI writes the history entry in {@code task_done}, just after sending the
     * terminal event, then broadcasts {@code status} and sends this prompt's {@code executing {node: null}}: either
     * frame means the entry is readable, so each read waits for one of them. The wait is bounded and grows from
     * {@link RunOptions#historyPollInterval()}, so a missed frame (a dropped socket, an older server) costs only a
     * few quick reads, and the run ends whether or not the frames ever come.
     */
    private RunResult finish(ComfyEvent terminal, QueuedPrompt queued) throws InterruptedException {
        if (options.outputsFromEvents() && reconnects == 0 && terminal instanceof ComfyEvent.ExecutionSuccess) {
            // the socket was open from before the submit to here, so no executed event can be missing
            return result(terminal, null, queued);
        }
        Instant giveUp = min(clock.instant().plus(options.historyWait()), deadline);
        long waitNanos = options.historyPollInterval().toNanos();
        int polls = 0;
        while (true) {
            awaitHistoryWritten(min(clock.instant().plusNanos(waitNanos), giveUp));
            polls++;
            Optional<HistoryEntry> entry = Optional.empty();
            try {
                entry = client.history(promptId);
            } catch (ComfyUnavailableException | ComfyTimeoutException | ComfyHttpException e) {
                // the terminal event is known already; a failed poll only delays the outputs
                log.warn("history poll {} of prompt {} failed: {}", polls, promptId, e.getMessage());
            }
            if (entry.isPresent()) {
                return result(terminal, entry.get(), queued);
            }
            if (!clock.instant().isBefore(giveUp)) {
                log.warn("prompt {} ended ({}) but /history stayed empty for {} polls; building the result "
                        + "from the WebSocket events alone", promptId, terminal.type(), polls);
                return result(terminal, null, queued);
            }
            waitNanos = Math.min(waitNanos * 2, MAX_HISTORY_WAIT_STEP.toNanos());
        }
    }

    /**
     * Waits until {@code until} or a frame that says this prompt's history entry is written, whichever is first.
     * Other signals change nothing now: the gate admits no event after the terminal one, a cancel comes too late,
     * and a lost socket only means the frame will not come (the next run reopens it).
     */
    private void awaitHistoryWritten(Instant until) throws InterruptedException {
        while (true) {
            long leftNanos = Duration.between(clock.instant(), until).toNanos();
            if (leftNanos <= 0) {
                return;
            }
            Signal signal = signals.poll(leftNanos, TimeUnit.NANOSECONDS);
            if (signal == null || signal instanceof SocketLost || (signal instanceof Event(ComfyEvent e)
                    && saysHistoryWritten(e))) {
                return;
            }
        }
    }

    /**
     * {@code status} is broadcast by {@code task_done} right after the entry is written (a status from another
     * client's submit costs one early read); {@code executing null} of this prompt follows it.
     */
    private boolean saysHistoryWritten(ComfyEvent e) {
        return e instanceof ComfyEvent.Status
                || (e instanceof ComfyEvent.Executing ex && ex.isEndMarker() && promptId.equals(ex.promptId()));
    }

    /** Decides from /history and /queue whether the prompt ended, still runs, or is gone. */
    private RunResult reconcile(QueuedPrompt queued, String why) {
        Optional<HistoryEntry> entry = client.history(promptId);
        if (entry.isEmpty()) {
            QueueSnapshot queue = client.queue();
            if (queue.contains(promptId)) {
                return null;
            }
            entry = client.history(promptId); // it may have ended between the two reads
        }
        if (entry.isPresent()) {
            return fromHistory(entry.get(), queued);
        }
        if (cancelRequested) {
            return result(null, null, queued);
        }
        throw new PromptLostException(promptId, "checked because of: " + why);
    }

    private RunResult fromHistory(HistoryEntry entry, QueuedPrompt queued) {
        ComfyEvent terminal = null;
        for (ComfyEvent message : entry.messages()) {
            if (gate.admit(message)) {
                deliver(message);
            }
            if (EventGate.isTerminal(message)) {
                terminal = message;
            }
        }
        return result(terminal, entry, queued);
    }

    private RunResult reconnectAndReconcile(RunSocket stream, QueuedPrompt queued, String reason)
            throws InterruptedException {
        log.info("WebSocket of prompt {} {}; reconnecting", promptId, reason);
        try {
            listener.onConnectionLost(reason);
        } catch (RuntimeException e) {
            log.warn("run listener of prompt {} failed on connection loss", promptId, e);
        }
        ComfyUnavailableException last = null;
        for (int attempt = 1; attempt <= options.reconnectAttempts(); attempt++) {
            long backoff = options.reconnectBackoff().toMillis() * attempt;
            if (clock.instant().plusMillis(backoff).isAfter(deadline)) {
                break;
            }
            Thread.sleep(backoff);
            try {
                stream.reconnect();
            } catch (ComfyUnavailableException e) {
                last = e;
                log.info("reconnect {} of prompt {} failed: {}", attempt, promptId, e.getMessage());
                continue;
            }
            reconnects++;
            try {
                listener.onReconnected(attempt);
            } catch (RuntimeException e) {
                log.warn("run listener of prompt {} failed on reconnect", promptId, e);
            }
            return reconcile(queued, "WebSocket " + reason);
        }
        if (clock.instant().isAfter(deadline)) {
            throw timedOut();
        }
        String what = "lost the WebSocket of prompt " + promptId + " (" + reason + ") and could not reopen it in "
                + options.reconnectAttempts() + " attempts";
        if (last != null) {
            throw new ComfyUnavailableException(client.baseUri(), what, last);
        }
        throw new ComfyException(what);
    }

    private RunResult cancel(QueuedPrompt queued) {
        cancelRequested = true;
        requestStop();
        return reconcile(queued, "cancel requested");
    }

    /**
     * ComfyUI clears its interrupt flag when a prompt starts, so an interrupt that lands between leaving the
     * queue and starting is lost. While a cancelled prompt still shows signs of life, ask again (at most once
     * per second).
     */
    private void repeatStopIfCancelled() {
        if (!cancelRequested || gate.terminalSeen()) {
            return;
        }
        Instant now = clock.instant();
        if (lastStopRequest != null && Duration.between(lastStopRequest, now).compareTo(RESTOP_INTERVAL) < 0) {
            return;
        }
        try {
            requestStop();
        } catch (ComfyUnavailableException | ComfyTimeoutException | ComfyHttpException e) {
            log.warn("repeating the interrupt of prompt {} failed: {}", promptId, e.getMessage());
        }
    }

    /** Dequeue if pending, interrupt if running: two idempotent calls cover both without a race. */
    private void requestStop() {
        lastStopRequest = clock.instant();
        client.deleteFromQueue(List.of(promptId));
        client.interrupt(promptId);
    }

    private RunTimeoutException timedOut() {
        boolean stopped = false;
        if (options.cancelOnTimeout()) {
            try {
                requestStop();
                stopped = true;
            } catch (RuntimeException e) {
                log.warn("could not stop timed-out prompt {}: {}", promptId, e.getMessage());
            }
        }
        return new RunTimeoutException(promptId, options.timeout(), lastSeen, stopped);
    }

    private RunResult result(ComfyEvent terminal, HistoryEntry entry, QueuedPrompt queued) {
        RunStatus status;
        ComfyEvent.ExecutionError error = null;
        ComfyEvent.ExecutionInterrupted interruption = null;
        Instant ended = null;
        switch (terminal) {
            case ComfyEvent.ExecutionSuccess s -> {
                status = RunStatus.SUCCESS;
                ended = Instant.ofEpochMilli(s.timestamp());
            }
            case ComfyEvent.ExecutionError e -> {
                status = RunStatus.ERROR;
                error = e;
                executedNodes.addAll(e.executed());
                ended = e.timestamp() == null ? null : Instant.ofEpochMilli(e.timestamp());
            }
            case ComfyEvent.ExecutionInterrupted i -> {
                status = RunStatus.INTERRUPTED;
                interruption = i;
                executedNodes.addAll(i.executed());
                ended = i.timestamp() == null ? null : Instant.ofEpochMilli(i.timestamp());
            }
            case null -> status = entry == null ? RunStatus.CANCELLED
                    : "success".equals(entry.statusStr()) ? RunStatus.SUCCESS : RunStatus.ERROR;
            default -> throw new IllegalStateException("not a terminal event: " + terminal.type());
        }
        RunOutputs outputs = entry != null ? RunOutputs.fromHistoryOutputs(entry.outputs())
                : liveOutputs.values().stream().reduce(RunOutputs.empty(), RunOutputs::plus);
        RunResult.Timings timings = new RunResult.Timings(submitted, executionStarted, ended, clock.instant());
        return new RunResult(promptId, clientId, status, error, interruption, List.copyOf(executedNodes),
                cachedNodes, outputs, timings, queued, entry, reconnects);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
