package io.comfyfleet.worker.supervisor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ends a process and everything it started: TERM to all, then KILL to what is left after the grace. */
final class ProcessTree {
    private static final Logger log = LoggerFactory.getLogger(ProcessTree.class);

    private ProcessTree() {}

    static void terminate(ProcessHandle root, Duration grace) {
        // snapshot first: once the root dies its children are re-parented and no longer its descendants
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        root.descendants().forEach(all::add);
        all.forEach(ProcessHandle::destroy);
        List<ProcessHandle> stubborn = awaitExit(all, grace);
        if (!stubborn.isEmpty()) {
            log.warn("{} ComfyUI process(es) ignored SIGTERM for {} ms; killing them", stubborn.size(), grace.toMillis());
            stubborn.forEach(ProcessHandle::destroyForcibly);
            awaitExit(stubborn, Duration.ofSeconds(5))
                    .forEach(p -> log.error("Process {} survived SIGKILL", p.pid()));
        }
    }

    /**
     * Polls rather than using {@code onExit()}: those futures complete on the common fork-join pool, which
     * may be starved exactly when a worker is shutting down.
     */
    private static List<ProcessHandle> awaitExit(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ProcessHandle> alive = processes.stream().filter(ProcessHandle::isAlive).toList();
            if (alive.isEmpty() || System.nanoTime() >= deadline) {
                return alive;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return alive;
            }
        }
    }
}
