package io.comfyfleet.gateway.dispatch;

import java.time.Instant;

/**
 * One worker as its provider sees it, for the dashboard and {@code /admin}: what the gateway cannot know from the
 * worker's calls.
 *
 * @param state     {@code starting} (started, not yet asking for jobs), {@code up} (asking for jobs),
 *                  {@code stopping}, {@code exited} (ended on its own) or {@code stopped} (gone)
 * @param startedAt when its process or pod was created; null for a worker that is gone
 * @param problem   what keeps it from working, as the provider says ({@code WorkerProvider.problem}: a pod no GPU
 *                  node took, an image that cannot be pulled, why it ended); null when nothing is known to be wrong
 */
public record ProvidedWorker(String state, Instant startedAt, String problem) {
    public ProvidedWorker(String state, Instant startedAt) {
        this(state, startedAt, null);
    }

    /** Whether the provider's word overrides what the worker's last calls suggest (idle, running). */
    public boolean ended() {
        return state.equals("stopping") || state.equals("exited") || state.equals("stopped");
    }
}
