package io.comfyfleet.fleet.local;

import java.util.List;
import java.util.stream.Stream;

/**
 * A worker process and the processes it started (its ComfyUI, ...). Only the root gets SIGTERM: the worker
 * drains its job and stops its own children, which a SIGTERM to them all would cut short. Whatever is still alive
 * after the grace, or is left behind when the root exits, gets SIGKILL.
 */
final class ProcessTree {
    private final ProcessHandle root;
    private volatile List<ProcessHandle> seen = List.of();

    ProcessTree(ProcessHandle root) {
        this.root = root;
    }

    /** Remembers the current descendants: once the root is dead they are re-parented and cannot be found. */
    void snapshot() {
        List<ProcessHandle> now = root.descendants().toList();
        if (!now.isEmpty()) {
            seen = Stream.concat(seen.stream(), now.stream()).distinct().toList();
        }
    }

    void terminate() {
        snapshot();
        root.destroy();
    }

    void kill() {
        snapshot();
        root.destroyForcibly();
        killLeftovers();
    }

    void killLeftovers() {
        seen.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
