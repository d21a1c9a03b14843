package io.comfyfleet.worker.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Copies ComfyUI's output into the worker's log, line by line with a prefix, and remembers the last lines. */
final class LogPump {
    private static final Logger comfyLog = LoggerFactory.getLogger("comfyui");

    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final int keep;
    private final String prefix;
    private Thread thread;

    LogPump(String prefix, int keep) {
        this.prefix = prefix;
        this.keep = keep;
    }

    void start(InputStream stream) {
        thread = Thread.ofPlatform().daemon().name("comfyui-log").start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    comfyLog.info("{} {}", prefix, line);
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > keep) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                comfyLog.debug("{} output closed: {}", prefix, e.getMessage());
            }
        });
    }

    /** Waits for the output of an exited process to be read to its end, so its last lines are in the tail. */
    void awaitDrained(java.time.Duration timeout) {
        try {
            if (thread != null) {
                thread.join(timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<String> lastLines() {
        synchronized (tail) {
            return new ArrayList<>(tail);
        }
    }
}
