package io.comfyfleet.worker.supervisor;

import io.comfyfleet.common.http.BlockingHttp;
import io.comfyfleet.common.process.ProcessTree;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, watches and restarts the ComfyUI next to this worker, or waits for one that runs already
 * ("attached").
 *
 * <p>A launched ComfyUI is ready when {@code GET /system_stats} answers 200 (its port opens only after every
 * node has been imported). Readiness is probed every {@value #PROBE_INTERVAL_MS} ms with a bare TCP connect, and
 * only an open port is asked over HTTP: the worker's cold start ends within a few milliseconds of ComfyUI's, and a
 * refused connect costs next to nothing while ComfyUI imports its nodes. A launched ComfyUI is never confused with
 * another server on its port ({@link PortOwnership}): the port must be free at each launch, and only an answer from
 * the launched process, while it is alive, makes it ready. When it exits unexpectedly it is restarted with exponential backoff; after
 * {@code maxRestarts} failures in a row the supervisor turns {@link State#UNHEALTHY} and tells its listeners,
 * and the worker exits non-zero. A ComfyUI that stopped answering is ended by {@link #restartHung} and then
 * restarted the same way. {@link #close()} ends the whole process tree: TERM, then KILL.
 */
public final class ComfySupervisor implements AutoCloseable {
    /**
     * Looked up on first use, not when the class loads: setting up logging takes a good part of a second on a
     * busy two-core machine, and ComfyUI's launch must not wait for it.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ComfySupervisor.class);
    }

    private static Logger log() {
        return Log.LOG;
    }
    static final long PROBE_INTERVAL_MS = 10;
    static final long FOREIGN_PROBE_INTERVAL_MS = 200;

    /** Where the supervised ComfyUI stands. */
    public enum State { NEW, STARTING, READY, RESTARTING, UNHEALTHY, STOPPED }

    private final URI baseUrl;
    private final LaunchSpec spec; // null when attached
    private final SupervisorSettings settings;
    private final BlockingHttp http = new BlockingHttp(Duration.ofSeconds(2));
    private final List<Consumer<String>> unhealthyListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService restarter = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("comfyui-restarter").factory());
    private final Object monitor = new Object();
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    private State state = State.NEW;
    private Process process;
    private LogPump logs;
    /** Between {@link #launch()} and {@link #awaitStarted()}: what the first launch started. */
    private volatile Launched pending;
    private long readySinceNanos;
    /** The first launch (attached: the first probe) and the first readiness, for the worker's cold start; 0: not yet. */
    private volatile long firstLaunchNanos;
    private volatile long firstReadyNanos;
    private int crashesInARow;
    /** Why the last launch or run of ComfyUI failed, one line, for the unhealthy reason; null before any. */
    private volatile String lastFailure;
    /** The process {@link #restartHung} ended and why, for the log and the crash count; guarded by monitor. */
    private Process hung;
    private String hungReason;

    private ComfySupervisor(URI baseUrl, LaunchSpec spec, SupervisorSettings settings) {
        this.baseUrl = baseUrl;
        this.spec = spec;
        this.settings = settings;
    }

    /** Supervises a ComfyUI that someone else runs at {@code baseUrl}: readiness only, no restarts. */
    public static ComfySupervisor attached(URI baseUrl, SupervisorSettings settings) {
        return new ComfySupervisor(baseUrl, null, settings);
    }

    /** Launches ComfyUI as {@code spec} says and keeps it running. */
    public static ComfySupervisor launched(LaunchSpec spec, SupervisorSettings settings) {
        return new ComfySupervisor(spec.baseUrl(), spec, settings);
    }

    /**
     * Launches ComfyUI (or finds the attached one) and blocks until it is ready.
     *
     * @throws ComfyStartException when it exits first or is not ready within {@code readyTimeout}; the message
     *     quotes its last log lines
     */
    public void start() {
        launch();
        awaitStarted();
    }

    /**
     * The first half of {@link #start()}: launches ComfyUI and returns at once (attached: only notes the time).
     * A worker calls it on its main thread before anything else, so nothing of its own set-up competes with the
     * launch, and waits with {@link #awaitStarted()} on another.
     *
     * @throws ComfyStartException when the process cannot be launched
     */
    public void launch() {
        synchronized (monitor) {
            if (state == State.STOPPED) { // closed first (a SIGTERM as the worker starts): nothing to launch
                throw new ComfyStartException("Supervisor stopped before ComfyUI was launched", List.of());
            }
            if (state != State.NEW) {
                throw new IllegalStateException("supervisor already started (state " + state + ")");
            }
            state = State.STARTING;
        }
        try {
            pending = launchProcess();
        } catch (ComfyStartException e) {
            failedToStart();
            throw e;
        }
    }

    /**
     * The second half of {@link #start()}: blocks until the ComfyUI {@link #launch()} started is ready.
     *
     * @throws ComfyStartException when it exits first or is not ready within {@code readyTimeout}; the message
     *     quotes its last log lines
     * @throws IllegalStateException before {@link #launch()}
     */
    public void awaitStarted() {
        Launched launched = pending;
        if (launched == null) {
            throw new IllegalStateException("launch() first (state " + state() + ")");
        }
        pending = null;
        try {
            awaitLaunched(launched);
        } catch (ComfyStartException e) {
            failedToStart();
            throw e;
        }
    }

    /** A start that failed leaves the supervisor UNHEALTHY, unless it failed because it was closed. */
    private void failedToStart() {
        synchronized (monitor) {
            if (state != State.STOPPED) {
                state = State.UNHEALTHY;
            }
        }
    }

    /** When ComfyUI was first launched ({@link System#nanoTime}; attached: first probed); 0 before. */
    public long firstLaunchNanos() {
        return firstLaunchNanos;
    }

    /** When ComfyUI first answered its readiness probe ({@link System#nanoTime}); 0 before. */
    public long firstReadyNanos() {
        return firstReadyNanos;
    }

    /** The address of the supervised ComfyUI. */
    public URI baseUrl() {
        return baseUrl;
    }

    /** The per-worker folders of a launched ComfyUI; empty when attached. */
    public Optional<LaunchSpec.Folders> folders() {
        return Optional.ofNullable(spec).map(LaunchSpec::folders);
    }

    public State state() {
        synchronized (monitor) {
            return state;
        }
    }

    /** The running ComfyUI process, when launched and alive. */
    public Optional<ProcessHandle> process() {
        synchronized (monitor) {
            return process != null && process.isAlive() ? Optional.of(process.toHandle()) : Optional.empty();
        }
    }

    /** Called with the reason once restarts are exhausted. */
    public void onUnhealthy(Consumer<String> listener) {
        unhealthyListeners.add(listener);
    }

    /** Waits until ComfyUI is READY again (e.g. after a crash), at most {@code timeout}; false if not. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (state != State.READY) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || state == State.UNHEALTHY || state == State.STOPPED) {
                    return state == State.READY;
                }
                monitor.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /**
     * Ends the current ComfyUI and starts a new one (e.g. when an interrupt did not free it); blocks until
     * ready. For an attached ComfyUI it only waits for readiness.
     *
     * @throws ComfyStartException when the new one does not come up
     */
    public void restart(String reason) {
        log().warn("Restarting ComfyUI: {}", reason);
        Process old;
        synchronized (monitor) {
            if (state == State.STOPPED) {
                throw new IllegalStateException("supervisor is stopped");
            }
            state = State.RESTARTING;
            old = process;
            process = null; // so the exit watcher does not count this as a crash
        }
        if (old != null) {
            stopTree(old);
        }
        launchAndAwaitReady();
    }

    /**
     * Restarts the ComfyUI that stopped answering (a call to it got no answer within its bound) as if it had
     * crashed: ends its process tree (TERM, then KILL after {@code stopGrace}; blocks meanwhile), and its exit is
     * handled like a crash's, restart with backoff counted toward {@code maxRestarts}. A caller that comes second,
     * or late (the {@code pid} it saw has already been replaced or died), changes nothing. Wait for the new one
     * with {@link #awaitReady}.
     *
     * @param pid    the ComfyUI process that did not answer (from {@link #process()})
     * @param reason what got no answer, for the log and the unhealthy reason
     * @return false when this ComfyUI is attached, so nothing here can restart it; true otherwise
     */
    public boolean restartHung(long pid, String reason) {
        Process ending;
        synchronized (monitor) {
            if (spec == null) {
                return false;
            }
            if (process == null || process.pid() != pid || state != State.READY) {
                return true; // already being restarted (or stopped): that restart serves this caller too
            }
            ending = process;
            hung = ending;
            hungReason = reason;
            state = State.RESTARTING; // no job may start on it while it is being ended
            monitor.notifyAll();
        }
        log().error("ComfyUI (pid {}) stopped answering ({}); ending it to start a new one", pid, reason);
        stopTree(ending);
        return true;
    }

    /**
     * Stops ComfyUI and its children (TERM, then KILL after {@code stopGrace}); idempotent. A second caller waits
     * for the first to finish, so a shutdown hook cannot let the JVM exit while ComfyUI is still being stopped.
     */
    @Override
    public void close() {
        Process old;
        boolean someoneElseCloses;
        synchronized (monitor) {
            someoneElseCloses = state == State.STOPPED;
            if (!someoneElseCloses) {
                state = State.STOPPED;
            }
            old = someoneElseCloses ? null : process;
            process = null;
            monitor.notifyAll();
        }
        if (someoneElseCloses) {
            awaitClosed();
            return;
        }
        try {
            restarter.shutdownNow();
            if (old != null) {
                log().info("Stopping ComfyUI (pid {})", old.pid());
                stopTree(old);
                log().info("ComfyUI stopped");
            }
        } finally {
            closed.countDown();
        }
    }

    /**
     * Kills ComfyUI and everything it started at once (SIGKILL), and launches none again, not even the restart of a
     * crash: for a worker that must end now, whose JVM may take seconds more to exit. Idempotent; a {@link #close()}
     * afterwards returns at once.
     */
    public void kill() {
        Process old;
        synchronized (monitor) {
            state = State.STOPPED;
            old = process;
            process = null;
            monitor.notifyAll();
        }
        restarter.shutdownNow();
        if (old != null) {
            log().warn("Killing ComfyUI (pid {})", old.pid());
            new ProcessTree(old.toHandle()).kill();
        }
        closed.countDown();
    }

    /** ComfyUI and everything it started: TERM to all, then KILL to what is left after the stop grace. */
    private void stopTree(Process comfy) {
        ProcessTree.Ending ending = new ProcessTree(comfy.toHandle()).terminateAll(settings.stopGrace());
        if (ending.neededKill()) {
            log().warn("{} ComfyUI process(es) ignored SIGTERM for {} ms; killed them", ending.killed().size(),
                    settings.stopGrace().toMillis());
        }
        ending.survivors().forEach(p -> log().error("Process {} survived SIGKILL", p.pid()));
    }

    private void awaitClosed() {
        try {
            if (!closed.await(settings.stopGrace().toMillis() + 10_000, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                log().warn("ComfyUI is still being stopped by another thread");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void launchAndAwaitReady() {
        awaitLaunched(launchProcess());
    }

    /** A launched ComfyUI not yet ready: its process and log pump, both null when attached. */
    private record Launched(Process process, LogPump pump) {}

    private Launched launchProcess() {
        if (spec == null) {
            markLaunched();
            return new Launched(null, null);
        }
        // before the launch, so nothing is started that could only fail to listen: see PortOwnership
        PortOwnership.requireFree(baseUrl, http);
        Process started;
        // Launched and published under the monitor, before anything slow: a close() at any moment of the launch
        // (SIGTERM's shutdown hook, while the worker still sets itself up) either prevents it or finds the process
        // to stop. The JVM exits once its hooks are done, so this thread would never get to stop it itself, and
        // ComfyUI would outlive the worker, holding its port.
        synchronized (monitor) {
            if (state == State.STOPPED) {
                throw new ComfyStartException("Supervisor stopped before ComfyUI was launched", List.of());
            }
            try {
                spec.folders().create();
                started = new ProcessBuilder(spec.command())
                        .directory(spec.workDir().toFile())
                        .redirectErrorStream(true)
                        .start();
            } catch (IOException e) {
                throw new ComfyStartException("Could not launch ComfyUI with " + spec.command() + ": " + e.getMessage(),
                        List.of());
            }
            process = started;
        }
        markLaunched();
        // made after the launch: the pump's class sets up logging (up to a second), which ComfyUI need not wait for
        LogPump pump = new LogPump("[comfyui:" + baseUrl.getPort() + "]", settings.logLines());
        pump.start(started.getInputStream());
        synchronized (monitor) {
            if (state == State.STOPPED) {
                // close() took the process and stops it
                throw new ComfyStartException("Supervisor stopped while ComfyUI was starting", List.of());
            }
            logs = pump;
        }
        log().info("Launched ComfyUI (pid {}) for {}: {}", started.pid(), baseUrl, String.join(" ", spec.command()));
        return new Launched(started, pump);
    }

    private void awaitLaunched(Launched launched) {
        Process started = launched.process();
        if (started == null) {
            awaitHttpReady(null, null);
            markReady();
            return;
        }
        try {
            awaitHttpReady(started, launched.pump());
        } catch (ComfyStartException e) {
            stopTree(started);
            throw e;
        }
        // a thread of its own: Process.onExit() completes on the common pool, which a busy JVM may starve
        Thread.ofPlatform().daemon().name("comfyui-exit-watch").start(() -> {
            try {
                started.waitFor();
                exited(started);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        markReady();
    }

    private void markLaunched() {
        if (firstLaunchNanos == 0) {
            firstLaunchNanos = System.nanoTime();
        }
    }

    private void markReady() {
        if (firstReadyNanos == 0) {
            firstReadyNanos = System.nanoTime();
        }
        synchronized (monitor) {
            if (state != State.STOPPED) {
                state = State.READY;
                readySinceNanos = System.nanoTime();
            }
            monitor.notifyAll();
        }
        log().info("ComfyUI is ready at {}", baseUrl);
    }

    /**
     * Probes until ComfyUI answers. A launched one counts only while its process is alive and when the answer is
     * its own ({@link PortOwnership#answeredBy}): another server on the port is never taken for it.
     */
    private void awaitHttpReady(Process started, LogPump pump) {
        long startedAt = System.nanoTime();
        long deadline = startedAt + settings.readyTimeout().toNanos();
        URI probe = baseUrl.resolve("/system_stats");
        InetSocketAddress port = new InetSocketAddress(baseUrl.getHost(), baseUrl.getPort() >= 0 ? baseUrl.getPort()
                : "https".equalsIgnoreCase(baseUrl.getScheme()) ? 443 : 80);
        String marker = started == null ? null : PortOwnership.marker(spec);
        boolean foreign = false;
        while (true) {
            if (started != null && !started.isAlive()) {
                pump.awaitDrained(Duration.ofSeconds(2));
                throw new ComfyStartException("ComfyUI exited with code " + started.exitValue() + " before it was ready"
                        + (foreign ? " while another process answered on port " + baseUrl.getPort() + " (stop it, or"
                                + " give this worker another port: --comfyui-port; under comfyfleet up,"
                                + " workers.basePort)" : ""), pump.lastLines());
            }
            if (state() == State.STOPPED) {
                throw new ComfyStartException("Supervisor stopped while waiting for ComfyUI", List.of());
            }
            String answer = portOpen(port) ? answer(probe) : null;
            if (answer != null) {
                if (started == null) {
                    return;
                }
                if (PortOwnership.answeredBy(answer, marker) && started.isAlive()) {
                    return;
                }
                if (!foreign && started.isAlive()) {
                    foreign = true;
                    log().warn("Port {} answers /system_stats, but not as the ComfyUI this worker launched (pid {},"
                            + " input folder {}): another process listens there; waiting for ours", baseUrl.getPort(),
                            started.pid(), marker);
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new ComfyStartException("Interrupted while waiting for ComfyUI at " + baseUrl, List.of());
            }
            if (System.nanoTime() > deadline) {
                throw new ComfyStartException("ComfyUI at " + baseUrl + " did not answer /system_stats within "
                        + settings.readyTimeout().toSeconds() + " s", pump == null ? List.of() : pump.lastLines());
            }
            try {
                // another server holds the port: ours will fail to listen and exit, no need to ask it 100 times a second
                Thread.sleep(foreign ? FOREIGN_PROBE_INTERVAL_MS : PROBE_INTERVAL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ComfyStartException("Interrupted while waiting for ComfyUI at " + baseUrl, List.of());
            }
        }
    }

    /** A bare connect: refused at once on loopback while ComfyUI is still importing its nodes. */
    private static boolean portOpen(InetSocketAddress port) {
        try (Socket s = new Socket()) {
            s.connect(port, 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The body of a 200 answer; null for any other, or none. */
    private String answer(URI probe) {
        try {
            BlockingHttp.Answer a = http.exchange(probe, java.util.Map.of(), null, Duration.ofSeconds(2));
            return a.status() == 200 ? a.body() : null;
        } catch (IOException e) {
            return null; // listening, not answering yet
        }
    }

    private void exited(Process p) {
        int attempt;
        String hungBecause;
        synchronized (monitor) {
            if (p != process || state == State.STOPPED) {
                return; // stopped or replaced on purpose
            }
            long upNanos = System.nanoTime() - readySinceNanos;
            if (upNanos > settings.stableAfter().toNanos()) {
                crashesInARow = 0;
            }
            crashesInARow++;
            attempt = crashesInARow;
            state = State.RESTARTING;
            process = null;
            hungBecause = p == hung ? hungReason : null;
            hung = null;
            monitor.notifyAll();
        }
        if (hungBecause != null) {
            log().warn("ComfyUI (pid {}) ended after it stopped answering; restarting it as after a crash", p.pid());
            lastFailure = "ComfyUI stopped answering (" + hungBecause + ")";
            restarter.execute(() -> restartAfterCrash(attempt));
            return;
        }
        LogPump pump = logs;
        if (pump != null) {
            pump.awaitDrained(Duration.ofSeconds(1)); // its last words are usually why it exited
        }
        List<String> lines = pump == null ? List.of() : pump.lastLines();
        log().error("ComfyUI (pid {}) exited unexpectedly with code {}; last lines:\n  {}", p.pid(), p.exitValue(),
                String.join("\n  ", lines));
        lastFailure = new ComfyStartException("ComfyUI exited with code " + p.exitValue(), lines).summary();
        restarter.execute(() -> restartAfterCrash(attempt));
    }

    private void restartAfterCrash(int attempt) {
        int n = attempt;
        while (true) {
            if (n > settings.maxRestarts()) {
                String reason = "ComfyUI crashed " + (n - 1) + " time(s) in a row; giving up after "
                        + settings.maxRestarts() + " restart(s)" + (lastFailure == null ? "" : "; last: " + lastFailure);
                synchronized (monitor) {
                    if (state == State.STOPPED) {
                        return;
                    }
                    state = State.UNHEALTHY;
                    monitor.notifyAll();
                }
                log().error(reason);
                unhealthyListeners.forEach(l -> l.accept(reason));
                return;
            }
            Duration delay = settings.restartBackoff().delay(n);
            log().warn("Restarting ComfyUI in {} ms (restart {} of at most {})", delay.toMillis(), n, settings.maxRestarts());
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (state() == State.STOPPED) {
                return;
            }
            try {
                launchAndAwaitReady();
                return;
            } catch (ComfyStartException e) {
                log().error("ComfyUI restart {} failed: {}", n, e.getMessage());
                lastFailure = e.summary();
                synchronized (monitor) {
                    crashesInARow++;
                    n = crashesInARow;
                }
            } catch (RuntimeException e) {
                log().error("ComfyUI restart {} failed unexpectedly", n, e);
                synchronized (monitor) {
                    crashesInARow++;
                    n = crashesInARow;
                }
            }
        }
    }
}
