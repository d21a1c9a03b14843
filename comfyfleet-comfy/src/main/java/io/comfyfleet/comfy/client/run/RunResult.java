package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.client.HistoryEntry;
import io.comfyfleet.comfy.client.QueuedPrompt;
import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.outputs.RunOutputs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * How one prompt ended and what it produced.
 *
 * @param promptId      the prompt's id
 * @param clientId      the WebSocket client id used
 * @param status        how it ended
 * @param error         the execution_error when {@code status == ERROR} (node, exception, traceback), else null; also
 *                      null for an ERROR whose history entry records the failure without one (no terminal event
 *                      seen, {@code status_str} not {@code success}, no {@code execution_error} among its messages)
 * @param interruption  the execution_interrupted when {@code status == INTERRUPTED}, else null
 * @param executedNodes nodes that ran this time, in order (from executing events and the terminal event)
 * @param cachedNodes   nodes whose outputs came from ComfyUI's cache (execution_cached)
 * @param outputs       files and texts from the history entry (or from executed events if history never came)
 * @param timings       when it was submitted, started and ended
 * @param queued        ComfyUI's answer to the submit ({@code nodeErrors} non-empty = some outputs dropped)
 * @param history       the history entry, or null when it was not available (see {@link #historyAvailable()})
 * @param reconnects    how many times the WebSocket had to be reopened
 */
public record RunResult(String promptId, String clientId, RunStatus status, ComfyEvent.ExecutionError error,
                        ComfyEvent.ExecutionInterrupted interruption, List<String> executedNodes,
                        List<String> cachedNodes, RunOutputs outputs, Timings timings, QueuedPrompt queued,
                        HistoryEntry history, int reconnects) {

    public RunResult {
        executedNodes = List.copyOf(executedNodes);
        cachedNodes = List.copyOf(cachedNodes);
    }

    public boolean succeeded() {
        return status == RunStatus.SUCCESS;
    }

    /** False when ComfyUI did not write the history entry within {@link RunOptions#historyWait()}. */
    public boolean historyAvailable() {
        return history != null;
    }

    /**
     * Times of one run. {@code submitted}/{@code finished} come from this client's clock; the execution
     * start and end come from ComfyUI's own timestamps (null when not seen).
     */
    public record Timings(Instant submitted, Instant executionStarted, Instant executionEnded, Instant finished) {

        /** From submit to result, on this client's clock. */
        public Duration total() {
            return Duration.between(submitted, finished);
        }

        /** From execution_start to the terminal event, on ComfyUI's clock, when both were seen. */
        public Optional<Duration> execution() {
            return executionStarted == null || executionEnded == null
                    ? Optional.empty() : Optional.of(Duration.between(executionStarted, executionEnded));
        }
    }
}
