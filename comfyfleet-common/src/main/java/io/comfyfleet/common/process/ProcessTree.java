package io.comfyfleet.common.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A process and the processes it started, and the two ways ComfyFleet ends them:
 * <ul>
 *   <li>{@link #terminateAll}: TERM to every process, then KILL to what is left after the grace (a ComfyUI and its
 *       children: none of them has work to hand back);</li>
 *   <li>{@link #terminate} then {@link #killLeftovers} or {@link #kill}: TERM to the root only (a worker drains its
 *       job and stops its own children, which a TERM to them all would cut short), KILL to the whole tree later.</li>
 * </ul>
 * Descendants are remembered as they are seen ({@link #snapshot}): once the root is dead they are re-parented and
 * can no longer be found from it.
 */
public final class ProcessTree {
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final ProcessHandle root;
    private volatile List<ProcessHandle> seen = List.of();

    public ProcessTree(ProcessHandle root) {
        this.root = root;
    }

    /** What {@link #terminateAll} had to do. */
    public record Ending(List<ProcessHandle> killed, List<ProcessHandle> survivors) {
        /** Whether some process ignored TERM for the whole grace and was killed. */
        public boolean neededKill() {
            return !killed.isEmpty();
        }
    }

    /** Remembers the current descendants, so they can still be killed after the root has exited. */
    public void snapshot() {
        List<ProcessHandle> now = root.descendants().toList();
        if (!now.isEmpty()) {
            seen = Stream.concat(seen.stream(), now.stream()).distinct().toList();
        }
    }

    /** TERM to the root only; its descendants are remembered first. */
    public void terminate() {
        snapshot();
        root.destroy();
    }

    /** KILL to the root and to every descendant seen so far. */
    public void kill() {
        snapshot();
        root.destroyForcibly();
        killLeftovers();
    }

    /** KILL to every descendant seen so far that is still alive. */
    public void killLeftovers() {
        seen.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * TERM to the root and every descendant, KILL to those still alive after {@code grace}; blocks until all have
     * exited or {@code grace} plus five seconds have passed. An interrupt ends the wait early (the flag stays set).
     *
     * @return the processes that needed KILL, and those that survived even that
     */
    public Ending terminateAll(Duration grace) {
        snapshot();
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        all.addAll(seen);
        all.forEach(ProcessHandle::destroy);
        List<ProcessHandle> stubborn = awaitExit(all, grace);
        if (stubborn.isEmpty()) {
            return new Ending(List.of(), List.of());
        }
        stubborn.forEach(ProcessHandle::destroyForcibly);
        return new Ending(stubborn, awaitExit(stubborn, KILL_WAIT));
    }

    /**
     * Polls rather than using {@code onExit()}: those futures complete on the common fork-join pool, which may be
     * starved exactly when a program is shutting down.
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
