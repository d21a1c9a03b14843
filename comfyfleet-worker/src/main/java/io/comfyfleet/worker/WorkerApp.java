package io.comfyfleet.worker;

import io.comfyfleet.worker.gateway.GatewayClient;
import io.comfyfleet.worker.gateway.ResultOutbox;
import io.comfyfleet.worker.supervisor.ComfyStartException;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker process from start to exit: launches ComfyUI first and sets itself up while it boots, warms up,
 * takes jobs until told to stop, and stops everything it started. Its first job-take tells the gateway how its
 * cold start went ({@link ColdStartMarks}). SIGTERM (a JVM shutdown hook) drains gracefully; a ComfyUI that keeps
 * crashing ends the worker with a non-zero exit code so its orchestrator replaces it.
 */
public final class WorkerApp {
    /**
     * Looked up on first use, not when the class loads: setting up logging takes a good part of a second on a
     * busy two-core machine, and ComfyUI's launch must not wait for it.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(WorkerApp.class);
    }

    private static Logger log() {
        return Log.LOG;
    }

    /** Exit codes of {@link #run()}. */
    public static final int EXIT_OK = 0;
    public static final int EXIT_UNHEALTHY = 1;
    public static final int EXIT_COMFY_DID_NOT_START = 3;
    public static final int EXIT_SPOOL_UNUSABLE = 4;
    /** The gateway did not answer for the limit given to {@link #exitWhenGatewaySilentFor}. */
    public static final int EXIT_GATEWAY_SILENT = 5;

    private final WorkerSettings settings;
    private final JobHandlerFactory handlers;
    private final Worker.Timings timings;
    private final AtomicReference<String> unhealthy = new AtomicReference<>();
    private volatile Worker worker;
    private volatile ComfySupervisor supervisor;
    private volatile boolean stopRequested;
    private volatile Consumer<JobTimings> jobTimings;
    private volatile ColdStartMarks coldStart;
    /** Held from before the result spool opens until {@link #run()} returns. */
    private WorkFolderLock workFolder;
    private volatile String exitReason;
    private volatile ObjIntConsumer<String> givingUp;
    private volatile Duration gatewaySilenceLimit;
    /** Why the worker ends because its gateway went silent; null while it answers. */
    private volatile String gatewaySilent;
    private volatile Thread gatewayWatch;

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
     * Measures the cold start from {@code marks} (taken when the worker's code began, before its settings were
     * read); without it, from the start of {@link #run()}. Call before {@link #run()}. Returns this.
     */
    public WorkerApp coldStart(ColdStartMarks marks) {
        this.coldStart = marks;
        return this;
    }

    /**
     * Ends the worker when its gateway has not answered its calls for {@code limit} (see
     * {@link GatewayClient#silentFor()}): the current job gets the shutdown grace to finish, then it is handed back,
     * and {@link #run()} returns {@link #EXIT_GATEWAY_SILENT}. For workers a provider started, which report to that
     * gateway only; without it (RunPod's own workers) a worker waits for its gateway forever. Call before
     * {@link #run()}. Returns this.
     */
    public WorkerApp exitWhenGatewaySilentFor(Duration limit) {
        if (limit != null && !limit.isPositive()) {
            throw new IllegalArgumentException("the gateway silence limit must be positive, got " + limit);
        }
        this.gatewaySilenceLimit = limit;
        return this;
    }

    /**
     * Runs the worker until {@link #stop()}, SIGTERM, or an unrecoverable ComfyUI; blocks.
     *
     * @return {@link #EXIT_OK} after a requested stop, {@link #EXIT_UNHEALTHY} when ComfyUI could not be
     *     kept running, {@link #EXIT_COMFY_DID_NOT_START} when it never came up, {@link #EXIT_SPOOL_UNUSABLE}
     *     when the work folder cannot be written or another worker uses it, {@link #EXIT_GATEWAY_SILENT} when
     *     the gateway did not answer for the limit given to {@link #exitWhenGatewaySilentFor}
     */
    public int run() throws InterruptedException {
        try {
            return serve();
        } finally {
            Thread watch = gatewayWatch;
            if (watch != null) {
                watch.interrupt();
            }
            releaseWorkFolder();
        }
    }

    private int serve() throws InterruptedException {
        ColdStartMarks marks = coldStart != null ? coldStart : ColdStartMarks.enteredNow();
        supervisor = settings.comfyUrl() != null
                ? ComfySupervisor.attached(settings.comfyUrl(), settings.supervisor())
                : ComfySupervisor.launched(settings.launch(), settings.supervisor());
        if (stopRequested) {
            // SIGTERM before stop() could see the supervisor: launching now would leave a ComfyUI behind as the JVM exits
            return EXIT_OK;
        }
        // ComfyUI first, before even this worker's logging is set up: its start is most of a cold start, and the
        // worker's own set-up runs while it boots
        CompletableFuture<Void> comfyStarted = startComfy(supervisor);
        log().info("Worker {} starting; gateway {}", settings.gateway().workerId(), settings.gateway());
        GatewayClient gateway = new GatewayClient(settings.gateway());
        ResultOutbox outbox;
        try {
            workFolder = WorkFolderLock.take(settings.workDir());
        } catch (IOException e) {
            log().error("Cannot use work folder {}: {}", settings.workDir(), e.getMessage());
            giveUp(EXIT_SPOOL_UNUSABLE, e.getMessage());
            supervisor.close();
            awaitQuietly(comfyStarted);
            return EXIT_SPOOL_UNUSABLE;
        }
        try {
            outbox = ResultOutbox.open(gateway, settings.workDir().resolve("spool"), timings.unreachableBackoff(),
                    Clock.systemUTC());
        } catch (IOException e) {
            log().error("Cannot use the result spool under {}: {}", settings.workDir(), e.toString());
            giveUp(EXIT_SPOOL_UNUSABLE, "cannot use the result spool under " + settings.workDir() + ": " + e);
            supervisor.close();
            awaitQuietly(comfyStarted);
            return EXIT_SPOOL_UNUSABLE;
        }
        JobHandler handler = handlers.create(supervisor, settings);
        worker = new Worker(gateway, outbox, handler, timings);
        worker.onJobTimings(jobTimings);
        // attached to a running ComfyUI: its cache flags are unknown, the default cache is assumed
        worker.heldModels(HeldModels.forComfyArgs(settings.launch() == null ? List.of() : settings.launch().command()));
        prepare(handler);
        marks.readJvmBoot();
        try {
            comfyStarted.get();
        } catch (ExecutionException e) {
            if (stopRequested) { // stopped while ComfyUI was starting: not a failure
                worker.close();
                handler.close();
                return EXIT_OK;
            }
            String why = e.getCause() instanceof ComfyStartException cse ? cse.getMessage() : String.valueOf(e.getCause());
            log().error("ComfyUI did not start; the worker exits: {}", why);
            String oneLine = "ComfyUI did not start: "
                    + (e.getCause() instanceof ComfyStartException cse ? cse.summary() : why);
            giveUp(EXIT_COMFY_DID_NOT_START, oneLine);
            // the one line, ending with ComfyUI's last log line, not the whole log's first 256 characters: the
            // gateway shows it to clients (/health's lastWorkerFailure)
            reportUnhealthy("comfyui_start", oneLine);
            worker.close();
            handler.close();
            supervisor.close();
            return EXIT_COMFY_DID_NOT_START;
        }
        marks.comfyLaunched(supervisor.firstLaunchNanos());
        marks.comfyReady(supervisor.firstReadyNanos());
        warmUp(handler, marks);
        worker.coldStart(marks);
        supervisor.onUnhealthy(reason -> {
            unhealthy.set(reason);
            giveUp(EXIT_UNHEALTHY, reason);
            reportUnhealthy("comfyui_crash_loop", reason);
            Thread.ofPlatform().name("unhealthy-shutdown").start(() -> worker.shutdown(settings.shutdownGrace()));
        });
        if (stopRequested) {
            worker.close();
            handler.close();
            supervisor.close();
            return EXIT_OK;
        }
        watchGateway(gateway);
        worker.start();
        while (!worker.awaitStopped(Duration.ofSeconds(1))) {
            // the job loop ends on stop(), SIGTERM, an unhealthy ComfyUI or a silent gateway
        }
        worker.shutdown(settings.shutdownGrace());
        handler.close();
        supervisor.close();
        if (gatewaySilent != null) {
            log().error("Worker {} exits: {}", settings.gateway().workerId(), gatewaySilent);
            return EXIT_GATEWAY_SILENT;
        }
        if (unhealthy.get() != null) {
            log().error("Worker {} exits unhealthy: {}", settings.gateway().workerId(), unhealthy.get());
            return EXIT_UNHEALTHY;
        }
        log().info("Worker {} stopped", settings.gateway().workerId());
        return EXIT_OK;
    }

    /**
     * Started once the worker takes jobs: before, it asks the gateway nothing, and ComfyUI's start has its own
     * limit. The job in progress gets the shutdown grace, as on SIGTERM: by then the gateway has long counted its
     * lease as expired, but it may still finish, and its result then waits in the spool for a gateway that returns.
     */
    private void watchGateway(GatewayClient gateway) {
        Duration limit = gatewaySilenceLimit;
        if (limit == null) {
            return;
        }
        gatewayWatch = GatewayWatch.start(gateway, limit, () -> {
            String reason = "its gateway " + settings.gateway().jobTakeUri(false).getAuthority()
                    + " has not answered for " + limit.toSeconds() + " s; it is gone or cannot be reached";
            gatewaySilent = reason;
            giveUp(EXIT_GATEWAY_SILENT, reason);
            log().error("Worker {} stops: {}", settings.gateway().workerId(), reason);
            worker.shutdown(settings.shutdownGrace());
        });
    }

    /**
     * Why {@link #run()} returns (or returned) a code other than {@link #EXIT_OK}, in one line for people (its log
     * has the details); empty while the worker serves and after a clean stop.
     */
    public Optional<String> exitReason() {
        return Optional.ofNullable(exitReason);
    }

    /**
     * Called once with the exit code and {@link #exitReason()} as soon as the worker knows it will end with a code
     * other than {@link #EXIT_OK}: before it tells the gateway (which may have it stopped at once) and before it
     * stops ComfyUI. Call before {@link #run()}. Returns this.
     */
    public WorkerApp onGivingUp(ObjIntConsumer<String> listener) {
        this.givingUp = listener;
        return this;
    }

    private void giveUp(int code, String reason) {
        exitReason = reason;
        ObjIntConsumer<String> listener = givingUp;
        if (listener != null) {
            try {
                listener.accept(reason, code);
            } catch (RuntimeException e) {
                log().warn("Could not announce why the worker exits: {}", e.toString());
            }
        }
    }

    /**
     * Launches ComfyUI on this thread, before anything else of the worker's set-up can compete with it, and waits
     * for it on a thread of its own; the future fails with its ComfyStartException.
     */
    private static CompletableFuture<Void> startComfy(ComfySupervisor supervisor) {
        CompletableFuture<Void> started = new CompletableFuture<>();
        try {
            supervisor.launch();
        } catch (ComfyStartException e) {
            started.completeExceptionally(e);
            return started;
        }
        Thread.ofPlatform().daemon().name("comfyui-start").start(() -> {
            try {
                supervisor.awaitStarted();
                started.complete(null);
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        });
        return started;
    }

    private void releaseWorkFolder() {
        if (workFolder != null) {
            try {
                workFolder.close();
            } catch (IOException e) {
                log().warn("Could not release work folder {}: {}", settings.workDir(), e.toString());
            }
        }
    }

    private static void awaitQuietly(CompletableFuture<Void> comfyStarted) throws InterruptedException {
        try {
            comfyStarted.get();
        } catch (ExecutionException e) {
            // closed on purpose: the start fails with "Supervisor stopped"
        }
    }

    /** The handler's set-up while ComfyUI boots (seconds on any machine): nothing it does delays a job. */
    private static void prepare(JobHandler handler) {
        try {
            handler.prepare();
        } catch (RuntimeException e) {
            log().warn("Preparing the job handler while ComfyUI starts failed; the first job does it: {}",
                    e.toString());
        }
    }

    /**
     * Runs the handler's warm-up (the endpoint's warm-up workflow, if any) before the first job-take, timed as the
     * cold start's own segment. A warm-up that fails is logged with its reason and the worker still serves: its
     * jobs may well work (a warm-up workflow that names a model this image lacks is a configuration mistake, not a
     * broken worker), and a worker that refuses to serve would leave the queue with none.
     */
    private void warmUp(JobHandler handler, ColdStartMarks marks) throws InterruptedException {
        long started = System.nanoTime();
        try {
            handler.warmUp();
        } catch (RuntimeException e) {
            log().error("The warm-up workflow failed after {} ms; taking jobs anyway (the first job loads its models"
                    + " itself): {}", (System.nanoTime() - started) / 1_000_000, e.getMessage(), e);
        }
        if (settings.warmupWorkflow() != null) {
            marks.warmedUp(System.nanoTime() - started);
        }
    }

    /** Best effort: the worker exits non-zero either way, and the gateway's lease handling covers a lost ping. */
    private void reportUnhealthy(String check, String reason) {
        try {
            new GatewayClient(settings.gateway()).reportUnhealthy(check, reason);
        } catch (RuntimeException e) {
            log().warn("Could not report the unhealthy state to the gateway: {}", e.getMessage());
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

    /**
     * Kills ComfyUI at once and keeps it from being launched or restarted, for a worker about to end without a
     * drain (its gateway is gone). Safe from any thread.
     */
    public void killComfyUI() {
        stopRequested = true; // before the supervisor exists: serve() then launches nothing
        ComfySupervisor s = supervisor;
        if (s != null) {
            s.kill();
        }
    }

    /** Registers {@link #stop()} as a JVM shutdown hook, so SIGTERM drains the worker and stops ComfyUI. */
    public WorkerApp stopOnShutdown() {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("worker-shutdown").unstarted(this::stop));
        return this;
    }
}
