package io.comfyfleet.sdk;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Set;

/**
 * The gateway failing one wait for a while: refused or dropped connections, no answer in time, or a proxy's
 * 502/503/504 while it restarts, or a 429. The job is durable on the server, so a
 * wait that has already heard the gateway pauses and asks again until its deadline instead of failing on the
 * first such error (a rolling update of the gateways, a restart of {@code up}). Pauses start at the poll interval
 * and double up to {@link #LONGEST_PAUSE}. Used by one wait, one request at a time.
 */
final class Outage {
    static final Duration LONGEST_PAUSE = Duration.ofSeconds(5);
    private static final Set<Integer> PASSING_STATUSES = Set.of(429, 502, 503, 504);

    private final long firstPauseMillis;
    private long nextPauseMillis;
    private long sinceNanos;
    private boolean ongoing;

    Outage(Duration pollInterval) {
        this.firstPauseMillis = Math.max(1, Math.min(pollInterval.toMillis(), LONGEST_PAUSE.toMillis()));
        this.nextPauseMillis = firstPauseMillis;
    }

    /** True for a failure that a later attempt may not meet: no answer at all, or a status that says "later". */
    static boolean passing(Throwable failure) {
        if (Transport.exceeded(failure) != null) {
            return false; // an answer too large for the SDK's cap will be as large when asked again
        }
        if (failure instanceof ComfyFleetException e) {
            return e.httpStatus() == 0 ? e.getCause() instanceof IOException : PASSING_STATUSES.contains(e.httpStatus());
        }
        return failure instanceof IOException || failure instanceof HttpTimeoutException;
    }

    /** True for a status code that a later attempt may not get. */
    static boolean passing(int status) {
        return PASSING_STATUSES.contains(status);
    }

    /** Counts one more failure and says how long to pause before the next attempt: the next step of the back-off. */
    long pauseMillis() {
        if (!ongoing) {
            ongoing = true;
            sinceNanos = System.nanoTime();
        }
        long pause = nextPauseMillis;
        nextPauseMillis = Math.min(nextPauseMillis * 2, LONGEST_PAUSE.toMillis());
        return pause;
    }

    /** The gateway answered: the next failure starts a new outage. */
    void over() {
        ongoing = false;
        nextPauseMillis = firstPauseMillis;
    }

    /** How long the gateway has been failing this wait. */
    Duration length() {
        return ongoing ? Duration.ofNanos(System.nanoTime() - sinceNanos) : Duration.ZERO;
    }
}
