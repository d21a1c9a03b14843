package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.client.events.ComfyEvent;
import java.util.HashSet;
import java.util.Set;

/**
 * Decides which events of a socket (or of a history entry, after a reconnect) the run listener sees: only
 * this prompt's, each once-per-prompt event once, nothing earlier-phase after something later, nothing after
 * the terminal event. This is what lets the run mix live events with history without duplicates.
 */
final class EventGate {
    private static final int NONE = 0;
    private static final int STARTED = 1;
    private static final int RUNNING = 2;
    private static final int TERMINAL = 3;

    private final String promptId;
    private final Set<String> seenOnce = new HashSet<>();
    private int phase = NONE;

    EventGate(String promptId) {
        this.promptId = promptId;
    }

    static boolean isTerminal(ComfyEvent e) {
        return e instanceof ComfyEvent.ExecutionSuccess || e instanceof ComfyEvent.ExecutionInterrupted
                || (e instanceof ComfyEvent.ExecutionError err && !err.isBlockedNotice());
    }

    boolean terminalSeen() {
        return phase == TERMINAL;
    }

    /** True if {@code e} should be delivered; updates the gate's state if so. */
    boolean admit(ComfyEvent e) {
        if (phase == TERMINAL || !concernsThisPrompt(e)) {
            return false;
        }
        int eventPhase = phaseOf(e);
        boolean once = eventPhase != RUNNING;
        if (once && (seenOnce.contains(e.type()) || eventPhase < phase)) {
            return false;
        }
        if (e instanceof ComfyEvent.Executing ex && ex.isEndMarker()) {
            return false; // the end marker is a signal to the run, not news for the listener
        }
        if (once) {
            seenOnce.add(e.type());
        }
        phase = Math.max(phase, eventPhase);
        return true;
    }

    private boolean concernsThisPrompt(ComfyEvent e) {
        String id = e.promptId();
        if (id != null) {
            return id.equals(promptId);
        }
        return switch (e) {
            // broadcasts about the whole server, not this prompt
            case ComfyEvent.Status s -> false;
            case ComfyEvent.FeatureFlags f -> false;
            // the "executing" sent right after a reconnect carries no prompt id; the socket's client id is ours
            case ComfyEvent.Executing ex -> phase >= STARTED;
            // binary previews, progress text and custom frames without an id belong to whatever runs now:
            // ours only while ours runs (ComfyUI runs one prompt at a time)
            default -> phase == STARTED || phase == RUNNING;
        };
    }

    private static int phaseOf(ComfyEvent e) {
        if (e instanceof ComfyEvent.ExecutionStart || e instanceof ComfyEvent.ExecutionCached) {
            return STARTED;
        }
        return isTerminal(e) ? TERMINAL : RUNNING;
    }
}
