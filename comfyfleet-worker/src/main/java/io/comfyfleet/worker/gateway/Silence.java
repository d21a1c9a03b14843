package io.comfyfleet.worker.gateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * How long the gateway has left this worker's calls unanswered: from the first call that got no answer after the
 * last one that did. A worker that asks nothing (its ComfyUI still booting) is never silent-on: only calls that
 * failed count, so a slow start is not taken for a gateway that is gone.
 *
 * <p>An answer is any HTTP status but 502, 503 and 504: those are what a proxy or a Kubernetes Service in front
 * of the gateway says when nothing behind it answers (one address, the gateway behind it restarting or gone).
 */
final class Silence {
    private static final long ANSWERED = Long.MIN_VALUE;

    private final LongSupplier nanoTime;
    private final AtomicLong unansweredSince = new AtomicLong(ANSWERED);

    Silence(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Records the status of a call that reached something over HTTP. */
    void heard(int status) {
        if (status == 502 || status == 503 || status == 504) {
            unanswered();
        } else {
            unansweredSince.set(ANSWERED);
        }
    }

    /** Records a call that reached nothing (refused, timed out, reset). */
    void unanswered() {
        unansweredSince.compareAndSet(ANSWERED, nanoTime.getAsLong());
    }

    /** Zero while the last call was answered; else the time since the first unanswered one. */
    Duration silentFor() {
        long since = unansweredSince.get();
        return since == ANSWERED ? Duration.ZERO : Duration.ofNanos(nanoTime.getAsLong() - since);
    }
}
