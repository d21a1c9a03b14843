package io.comfyfleet.worker;

import io.comfyfleet.worker.gateway.GatewayClient;
import io.comfyfleet.worker.gateway.ResultOutbox;
import io.comfyfleet.worker.supervisor.ComfyStartException;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker process from start to exit: brings ComfyUI up, warms up, takes jobs until told to stop, and
 * stops everything it started. SIGTERM (a JVM shutdown hook) drains gracefully; a ComfyUI that keeps
 * crashing ends the worker with a non-zero exit code so its orchestrator replaces it.
 */
public final class WorkerApp {
    private static final Logger log = LoggerFactory.getLogger(WorkerApp.class);

    /** Exit codes of {@link #run()}. */
    public static final int EXIT_OK = 0;
    public static final int EXIT_UNHEALTHY = 1;
    public static final int EXIT_COMFY_DID_NOT_START = 3;
    public static final int EXIT_SPOOL_UNUSABLE = 4;

    private final WorkerSettings settings;
    private final JobHandlerFactory handlers;
    private final Worker.Timings timings;
    private final AtomicReference<String> unhealthy = new AtomicReference<>();
    private volatile Worker worker;
    private volatile ComfySupervisor supervisor;
    private volatile boolean stopRequested;
    private volatile Consumer<JobTimings> jobTimings;

    public WorkerApp(WorkerSettings settings, JobHandlerFactory handlers) {
        this(settings, handlers, Worker.Timings.defaults());
    }

    WorkerApp(WorkerSettings settings, JobHandlerFactory handlers, Worker.Timings timings) {
        this.settings = settings;
        this.handlers = handlers;
        this.timings = timings;
    }

    /**
     * Receives each job's {@link JobTimings} once its result is accepted (see {@link Worker#onJobTimings});
     * call before {@link #run()}. Returns this.
     */
    public WorkerApp onJobTimings(Consumer<JobTimings> listener) {
        this.jobTimings = listener;
        return this;
    }

    /**
     * Runs the worker until {@link #stop()}, SIGTERM, or an unrecoverable ComfyUI; blocks.
     *
     * @return {@link #EXIT_OK} after a requested stop, {@link #EXIT_UNHEALTHY} when ComfyUI could not be
     *     kept running, {@link #EXIT_COMFY_DID_NOT_START} when it never came up, {@link #EXIT_SPOOL_UNUSABLE}
     *     when the work folder cannot be written
     */
    public int run() throws InterruptedException {
        log.info("Worker {} starting; gateway {}", settings.gateway().workerId(), settings.gateway());
        supervisor = settings.comfyUrl() != null
                ? ComfySupervisor.attached(settings.comfyUrl(), settings.supervisor())
                : ComfySupervisor.launched(settings.launch(), settings.supervisor());
        try {
            supervisor.start();
        } catch (ComfyStartException e) {
            log.error("ComfyUI did not start; the worker exits: {}", e.getMessage());
            reportUnhealthy("comfyui_start", e.getMessage());
            supervisor.close();
            return EXIT_COMFY_DID_NOT_START;
        }
        JobHandler handler = handlers.create(supervisor, settings);
        try {
            handler.warmUp();
        } catch (RuntimeException e) {
            log.error("Warm-up failed; taking jobs anyway", e);
        }
        GatewayClient gateway = new GatewayClient(settings.gateway());
        ResultOutbox outbox;
        try {
            outbox = ResultOutbox.open(gateway, settings.workDir().resolve("spool"), timings.unreachableBackoff(),
                    Clock.systemUTC());
        } catch (IOException e) {
            log.error("Cannot use the result spool under {}: {}", settings.workDir(), e.toString());
            handler.close();
            supervisor.close();
            return EXIT_SPOOL_UNUSABLE;
        }
        worker = new Worker(gateway, outbox, handler, timings);
        worker.onJobTimings(jobTimings);
        // attached to a running ComfyUI: its cache flags are unknown, the default cache is assumed
        worker.heldModels(HeldModels.forComfyArgs(settings.launch() == null ? List.of() : settings.launch().command()));
        supervisor.onUnhealthy(reason -> {
            unhealthy.set(reason);
            reportUnhealthy("comfyui_crash_loop", reason);
            Thread.ofPlatform().name("unhealthy-shutdown").start(() -> worker.shutdown(settings.shutdownGrace()));
        });
        if (stopRequested) {
            handler.close();
            supervisor.close();
            return EXIT_OK;
        }
        worker.start();
        while (!worker.awaitStopped(Duration.ofSeconds(1))) {
            // the job loop ends on stop(), SIGTERM or an unhealthy ComfyUI
        }
        worker.shutdown(settings.shutdownGrace());
        handler.close();
        supervisor.close();
        if (unhealthy.get() != null) {
            log.error("Worker {} exits unhealthy: {}", settings.gateway().workerId(), unhealthy.get());
            return EXIT_UNHEALTHY;
        }
        log.info("Worker {} stopped", settings.gateway().workerId());
        return EXIT_OK;
    }

    /** Best effort: the worker exits non-zero either way, and the gateway's lease handling covers a lost ping. */
    private void reportUnhealthy(String check, String reason) {
        try {
            new GatewayClient(settings.gateway()).reportUnhealthy(check, reason);
        } catch (RuntimeException e) {
            log.warn("Could not report the unhealthy state to the gateway: {}", e.getMessage());
        }
    }

    /**
     * Graceful stop: no more jobs, the current one gets {@code shutdownGrace} to finish (then it is handed back),
     * results are flushed, ComfyUI is stopped. Safe from any thread, including a shutdown hook.
     */
    public void stop() {
        stopRequested = true;
        Worker w = worker;
        if (w != null) {
            w.shutdown(settings.shutdownGrace());
        }
        ComfySupervisor s = supervisor;
        if (s != null) {
            s.close();
        }
    }

    /** Registers {@link #stop()} as a JVM shutdown hook, so SIGTERM drains the worker and stops ComfyUI. */
    public WorkerApp stopOnShutdown() {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("worker-shutdown").unstarted(this::stop));
        return this;
    }
}
