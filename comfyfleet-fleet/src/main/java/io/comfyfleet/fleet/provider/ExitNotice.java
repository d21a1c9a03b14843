package io.comfyfleet.fleet.provider;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a provider tells of the workers that end on their own ({@link WorkerProvider#onExit}): holds the one listener
 * and keeps a listener that throws from breaking the provider's exit handling.
 */
public final class ExitNotice {
    private static final Logger log = LoggerFactory.getLogger(ExitNotice.class);
    private volatile WorkerExit.Listener listener = exit -> { };

    /** Replaces the listener. */
    public void listen(WorkerExit.Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Tells the listener; what it throws is logged, not passed on. */
    public void tell(WorkerExit exit) {
        try {
            listener.exited(exit);
        } catch (RuntimeException e) {
            log.warn("could not report the exit of worker {}", exit.workerId(), e);
        }
    }
}
