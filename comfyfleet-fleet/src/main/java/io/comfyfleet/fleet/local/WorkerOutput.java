package io.comfyfleet.fleet.local;

import io.comfyfleet.common.process.WorkerExitLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Copies a worker's stdout and stderr, line by line, into our log, each line marked with the worker id, and keeps
 * the reason the worker gave for exiting ({@link WorkerExitLine}).
 */
public final class WorkerOutput {
    /** The logger every worker's output goes to. */
    public static final Logger log = LoggerFactory.getLogger("io.comfyfleet.fleet.worker-output");

    private WorkerOutput() {}

    /**
     * Copies {@code out} on a virtual thread until it ends, and remembers the last reason the worker gave for
     * exiting ({@link WorkerExitLine}).
     */
    public static Followed follow(String workerId, InputStream out) {
        Followed followed = new Followed();
        Thread.ofVirtual().name("worker-output-" + workerId).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
                MDC.put("workerId", workerId);
                String line;
                while ((line = r.readLine()) != null) {
                    line(workerId, line);
                    WorkerExitLine.reason(line).ifPresent(reason -> followed.reason = reason);
                }
            } catch (IOException e) {
                // the pipe closes when the process dies; nothing more to copy
                log.debug("[{}] output closed: {}", workerId, e.toString());
            } finally {
                MDC.remove("workerId");
                followed.ended.countDown();
            }
        });
        return followed;
    }

    /** The output of one worker being copied. */
    public static final class Followed {
        private final CountDownLatch ended = new CountDownLatch(1);
        private volatile String reason;

        /**
         * Why the worker said it exits (its exit line, or a usage error it printed), waiting up to {@code wait} for
         * its output to be read to the end; empty when it said nothing of the kind.
         */
        public Optional<String> exitReason(Duration wait) {
            try {
                ended.await(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.ofNullable(reason);
        }
    }

    /** Logs one line of a worker's output, marked with its id. */
    public static void line(String workerId, String line) {
        String before = MDC.get("workerId");
        MDC.put("workerId", workerId);
        try {
            log.info("[{}] {}", workerId, line);
        } finally {
            if (before == null) {
                MDC.remove("workerId");
            } else {
                MDC.put("workerId", before);
            }
        }
    }
}
