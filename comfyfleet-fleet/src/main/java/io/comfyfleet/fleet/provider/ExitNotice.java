package io.comfyfleet.fleet.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a provider tells of the workers that end on their own ({@link WorkerProvider#onExit}): holds the one listener
 * and keeps a listener that throws from breaking the provider's exit handling.
 */
public final class ExitNotice {
    private static final Logger log = LoggerFactory.getLogger(ExitNotice.class);
    /** More exits than this before anyone listens is a fleet in trouble already; the rest are logged only. */
    private static final int EARLY_LIMIT = 1000;

    private WorkerExit.Listener listener;
    /** Exits told before the first listener, when kept for it; null when they are dropped. */
    private List<WorkerExit> early;

    /** Drops the exits told before a listener is set: for providers whose workers all start after that. */
    public ExitNotice() {
        this.listener = exit -> { };
    }

    /**
     * Keeps the exits told before the first listener and hands them to it: for a provider that notices exits while
     * it starts (the Kubernetes one follows pods from its first list on), before {@code up} can listen.
     */
    public static ExitNotice keepingEarlyExits() {
        ExitNotice notice = new ExitNotice();
        notice.listener = null;
        notice.early = new ArrayList<>();
        return notice;
    }

    /** Replaces the listener; the first one first hears the exits kept for it, if any. */
    public void listen(WorkerExit.Listener listener) {
        Objects.requireNonNull(listener, "listener");
        List<WorkerExit> kept;
        synchronized (this) {
            this.listener = listener;
            kept = early == null ? List.of() : early;
            early = null;
        }
        kept.forEach(exit -> deliver(listener, exit));
    }

    /** Tells the listener; what it throws is logged, not passed on. */
    public void tell(WorkerExit exit) {
        WorkerExit.Listener to;
        synchronized (this) {
            to = listener;
            if (to == null) {
                if (early.size() < EARLY_LIMIT) {
                    early.add(exit);
                }
                return;
            }
        }
        deliver(to, exit);
    }

    private static void deliver(WorkerExit.Listener listener, WorkerExit exit) {
        try {
            listener.exited(exit);
        } catch (RuntimeException e) {
            log.warn("could not report the exit of worker {}", exit.workerId(), e);
        }
    }
}
