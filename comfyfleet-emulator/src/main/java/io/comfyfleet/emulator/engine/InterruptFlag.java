package io.comfyfleet.emulator.engine;

import java.util.concurrent.atomic.AtomicBoolean;

/** ComfyUI's global interrupt flag: set by POST /interrupt, checked at node starts and progress hooks. */
public final class InterruptFlag {
    private final AtomicBoolean raised = new AtomicBoolean();

    public void raise() {
        raised.set(true);
    }

    boolean isRaised() {
        return raised.get();
    }

    /** Cleared when a prompt starts, so an interrupt sent while idle does nothing. */
    void clear() {
        raised.set(false);
    }
}
