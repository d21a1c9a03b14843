package io.comfyfleet.comfy.client.run;

import java.time.Duration;
import java.util.UUID;
import tools.jackson.databind.node.ObjectNode;

/**
 * How to run one prompt. Build with {@link #defaults()} and the {@code with...} methods; every value is
 * checked when set.
 *
 * @param promptId           the id to queue under (default: a fresh UUID); keep it to find the prompt again
 * @param clientId           a WebSocket client id for this run alone (default: null, the runner's shared socket);
 *                           set, the run opens a socket of its own under it
 * @param extraData          extra_data to send ({@code extra_pnginfo}, ...), or null
 * @param timeout            overall bound from submit to result
 * @param historyPollInterval after the terminal event, the first bound on the wait for ComfyUI's
 *                           history-written frames ({@code status}, {@code executing null}) before a GET /history
 *                           poll; a frame ends the wait at once, and the bound doubles per empty poll (max 250 ms)
 * @param historyWait        how long to wait for the history entry after the terminal event before
 *                           building the result from the events alone
 * @param idleCheckInterval  with no event for this long, reconcile from /history and /queue (catches a
 *                           silent socket; a ComfyUI that does not answer these within the client's quick-call
 *                           bound is hung, and ends the run)
 * @param reconnectAttempts  WebSocket reconnects tried after a drop before giving up
 * @param reconnectBackoff   wait before the first reconnect (grows linearly)
 * @param cancelOnTimeout    on timeout, interrupt / dequeue the prompt before failing
 * @param outputsFromEvents  a run that ends in {@code execution_success} on a socket that stayed open from before
 *                           the submit is answered from its own {@code executed} events and ComfyUI's timestamps,
 *                           without reading {@code /history}: the socket saw every event of the run (ComfyUI
 *                           replays a cached output node's outputs as an {@code executed} event too), so the read
 *                           would only add a round trip. After a reconnect, an error or an interruption the
 *                           history is read as usual. Off by default: then every result carries its history entry
 */
public record RunOptions(String promptId, String clientId, ObjectNode extraData, Duration timeout,
                         Duration historyPollInterval, Duration historyWait, Duration idleCheckInterval,
                         int reconnectAttempts, Duration reconnectBackoff, boolean cancelOnTimeout,
                         boolean outputsFromEvents) {

    public RunOptions {
        requireId(promptId, "promptId");
        requireId(clientId, "clientId");
        positive(timeout, "timeout");
        positive(historyPollInterval, "historyPollInterval");
        positive(historyWait, "historyWait");
        positive(idleCheckInterval, "idleCheckInterval");
        positive(reconnectBackoff, "reconnectBackoff");
        if (reconnectAttempts < 0) {
            throw new IllegalArgumentException("reconnectAttempts must be >= 0, not " + reconnectAttempts);
        }
    }

    /**
     * Fresh ids, 30 min timeout, history poll from 5 ms, history wait 10 s, idle check 10 s, 5 reconnects, cancel on
     * timeout, outputs from the history entry.
     */
    public static RunOptions defaults() {
        return new RunOptions(null, null, null, Duration.ofMinutes(30), Duration.ofMillis(5), Duration.ofSeconds(10),
                Duration.ofSeconds(10), 5, Duration.ofMillis(200), true, false);
    }

    public RunOptions withPromptId(String id) {
        return new RunOptions(id, clientId, extraData, timeout, historyPollInterval, historyWait, idleCheckInterval,
                reconnectAttempts, reconnectBackoff, cancelOnTimeout, outputsFromEvents);
    }

    public RunOptions withClientId(String id) {
        return new RunOptions(promptId, id, extraData, timeout, historyPollInterval, historyWait, idleCheckInterval,
                reconnectAttempts, reconnectBackoff, cancelOnTimeout, outputsFromEvents);
    }

    public RunOptions withExtraData(ObjectNode data) {
        return new RunOptions(promptId, clientId, data, timeout, historyPollInterval, historyWait, idleCheckInterval,
                reconnectAttempts, reconnectBackoff, cancelOnTimeout, outputsFromEvents);
    }

    public RunOptions withTimeout(Duration d) {
        return new RunOptions(promptId, clientId, extraData, d, historyPollInterval, historyWait, idleCheckInterval,
                reconnectAttempts, reconnectBackoff, cancelOnTimeout, outputsFromEvents);
    }

    public RunOptions withHistoryPolling(Duration interval, Duration wait) {
        return new RunOptions(promptId, clientId, extraData, timeout, interval, wait, idleCheckInterval,
                reconnectAttempts, reconnectBackoff, cancelOnTimeout, outputsFromEvents);
    }

    public RunOptions withIdleCheckInterval(Duration d) {
        return new RunOptions(promptId, clientId, extraData, timeout, historyPollInterval, historyWait, d,
                reconnectAttempts, reconnectBackoff, cancelOnTimeout, outputsFromEvents);
    }

    public RunOptions withReconnects(int attempts, Duration backoff) {
        return new RunOptions(promptId, clientId, extraData, timeout, historyPollInterval, historyWait,
                idleCheckInterval, attempts, backoff, cancelOnTimeout, outputsFromEvents);
    }

    public RunOptions withCancelOnTimeout(boolean cancel) {
        return new RunOptions(promptId, clientId, extraData, timeout, historyPollInterval, historyWait,
                idleCheckInterval, reconnectAttempts, reconnectBackoff, cancel, outputsFromEvents);
    }

    public RunOptions withOutputsFromEvents(boolean fromEvents) {
        return new RunOptions(promptId, clientId, extraData, timeout, historyPollInterval, historyWait,
                idleCheckInterval, reconnectAttempts, reconnectBackoff, cancelOnTimeout, fromEvents);
    }

    String promptIdOrNew() {
        return promptId != null ? promptId : UUID.randomUUID().toString();
    }

    private static void requireId(String id, String name) {
        if (id != null && id.isBlank()) {
            throw new IllegalArgumentException(name + " must be null (generate one) or non-blank");
        }
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, not " + d);
        }
    }
}
