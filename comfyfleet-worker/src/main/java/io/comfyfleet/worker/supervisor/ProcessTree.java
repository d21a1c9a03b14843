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
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle p : all) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                try {
                    p.onExit().get(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (Exception e) {
                    // timed out: killed below
                }
            }
        }
        List<ProcessHandle> stubborn = all.stream().filter(ProcessHandle::isAlive).toList();
        if (!stubborn.isEmpty()) {
            log.warn("{} ComfyUI process(es) ignored SIGTERM for {} ms; killing them", stubborn.size(), grace.toMillis());
            stubborn.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle p : stubborn) {
                try {
                    p.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    log.error("Process {} survived SIGKILL", p.pid());
                }
            }
        }
    }
}
