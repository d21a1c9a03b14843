package io.comfyfleet.fleet.local;

import io.comfyfleet.common.process.WorkerExitLine;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The reason a worker gave for exiting ({@link WorkerExitLine}), picked from its output lines as they are read, for
 * whoever reads it once the worker has ended: its output may still be on its way then, so the reader may wait,
 * bounded, until the output has been read to its end.
 */
public final class ExitReason {
    /** How long an exited worker's output may take to be read to its end, for the reason it gave. */
    public static final Duration DRAIN = Duration.ofSeconds(2);

    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile String reason;

    /** Remembers the reason this line of the worker's output gives, if any (the last one given counts). */
    public void note(String line) {
        WorkerExitLine.reason(line).ifPresent(r -> reason = r);
    }

    /** The worker's output has been read to its end (or can no longer be read): nothing more to wait for. */
    public void ended() {
        ended.countDown();
    }

    /**
     * Why the worker said it exits (its exit line, or a usage error it printed), waiting up to {@code wait} for
     * its output to be read to the end; empty when it said nothing of the kind.
     */
    public Optional<String> await(Duration wait) {
        try {
            ended.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.ofNullable(reason);
    }
}
