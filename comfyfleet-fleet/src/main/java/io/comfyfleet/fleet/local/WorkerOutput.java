package io.comfyfleet.fleet.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Copies a worker's stdout and stderr, line by line, into our log, each line marked with the worker id. */
final class WorkerOutput {
    static final Logger log = LoggerFactory.getLogger("io.comfyfleet.fleet.worker-output");

    private WorkerOutput() {}

    static void follow(String workerId, InputStream out) {
        Thread.ofVirtual().name("worker-output-" + workerId).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
                MDC.put("workerId", workerId);
                String line;
                while ((line = r.readLine()) != null) {
                    log.info("[{}] {}", workerId, line);
                }
            } catch (IOException e) {
                // the pipe closes when the process dies; nothing more to copy
                log.debug("[{}] output closed: {}", workerId, e.toString());
            } finally {
                MDC.remove("workerId");
            }
        });
    }
}
