package io.comfyfleet.sdk;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The SDK's one timer thread (a daemon, so it never keeps a program alive): wait deadlines, pauses between polls,
 * request deadlines. A task run here only hands work on or cancels something; cancelled timers are removed at once,
 * so a finished call or wait is not kept until its deadline.
 */
final class SdkTimers {
    private static final ScheduledThreadPoolExecutor TIMERS = create();

    private SdkTimers() {}

    private static ScheduledThreadPoolExecutor create() {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "comfyfleet-sdk-timer");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    /** Runs {@code task} on the timer thread after {@code millis}; it must not block. */
    static ScheduledFuture<?> schedule(long millis, Runnable task) {
        return TIMERS.schedule(task, Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    /** Timers not yet due; a test checks that finished waits leave none behind. */
    static int pending() {
        return TIMERS.getQueue().size();
    }
}
