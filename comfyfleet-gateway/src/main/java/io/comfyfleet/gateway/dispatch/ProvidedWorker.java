package io.comfyfleet.gateway.dispatch;

import java.time.Instant;

/**
 * One worker as its provider sees it, for the dashboard: what the gateway cannot know from the worker's calls.
 *
 * @param state     {@code starting} (started, not yet asking for jobs), {@code up} (asking for jobs),
 *                  {@code stopping}, {@code exited} (ended on its own) or {@code stopped} (gone)
 * @param startedAt when its process or pod was created; null for a worker that is gone
 */
public record ProvidedWorker(String state, Instant startedAt) {
    /** Whether the provider's word overrides what the worker's last calls suggest (idle, running). */
    public boolean ended() {
        return state.equals("stopping") || state.equals("exited") || state.equals("stopped");
    }
}
