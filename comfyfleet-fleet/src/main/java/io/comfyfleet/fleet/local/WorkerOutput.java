package io.comfyfleet.fleet.local;

import io.comfyfleet.common.process.WorkerExitLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
     * exiting ({@link WorkerExitLine}) in what it returns.
     */
    public static ExitReason follow(String workerId, InputStream out) {
        ExitReason exitReason = new ExitReason();
        Thread.ofVirtual().name("worker-output-" + workerId).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
                MDC.put("workerId", workerId);
                String line;
                while ((line = r.readLine()) != null) {
                    line(workerId, line);
                    exitReason.note(line);
                }
            } catch (IOException e) {
                // the pipe closes when the process dies; nothing more to copy
                log.debug("[{}] output closed: {}", workerId, e.toString());
            } finally {
                MDC.remove("workerId");
                exitReason.ended();
            }
        });
        return exitReason;
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
