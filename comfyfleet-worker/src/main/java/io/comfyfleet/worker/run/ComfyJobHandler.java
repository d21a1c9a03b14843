package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ComfyUnavailableException;
import io.comfyfleet.comfy.client.PromptRejectedException;
import io.comfyfleet.comfy.client.UploadOptions;
import io.comfyfleet.comfy.client.run.ComfyRunner;
import io.comfyfleet.comfy.client.run.PromptLostException;
import io.comfyfleet.comfy.client.run.PromptRun;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.comfy.client.run.RunOptions;
import io.comfyfleet.comfy.client.run.RunResult;
import io.comfyfleet.comfy.client.run.RunStatus;
import io.comfyfleet.comfy.client.run.RunTimeoutException;
import io.comfyfleet.comfy.workflow.PromptCheck;
import io.comfyfleet.comfy.workflow.PromptValidator;
import io.comfyfleet.comfy.workflow.ValidationContext;
import io.comfyfleet.worker.JobContext;
import io.comfyfleet.worker.JobHandler;
import io.comfyfleet.worker.JobOutcome;
import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.gateway.GatewayClient;
import io.comfyfleet.worker.gateway.TakenJob;
import io.comfyfleet.worker.input.InputStager;
import io.comfyfleet.worker.input.InvalidJobInputException;
import io.comfyfleet.worker.input.JobInput;
import io.comfyfleet.worker.input.UrlFetcher;
import io.comfyfleet.worker.output.OutputSink;
import io.comfyfleet.worker.supervisor.ComfyStartException;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs one gateway job on this worker's ComfyUI, the way worker-comfyui does and then some: reads the input,
 * uploads its images, validates the workflow against this ComfyUI's nodes before running it, runs it with
 * progress (and previews on request), delivers every output, and cleans up the job's files.
 *
 * <p>Failures end as a FAILED job with a message a person can act on and details a program can read: an
 * invalid workflow (ComfyUI-shaped {@code node_errors}), a node that raised (id, type, traceback), the worker's
 * execution timeout. A job-stop interrupts the prompt (or removes it from ComfyUI's queue) and posts nothing; a
 * ComfyUI that does not stop within the grace period is restarted. A ComfyUI that dies under a job fails the
 * job or hands it back, as configured, and the next job waits for the restarted one. An out-of-memory error
 * frees ComfyUI's memory before the next job.
 */
public final class ComfyJobHandler implements JobHandler {
    private static final Logger log = LoggerFactory.getLogger(ComfyJobHandler.class);
    /** The largest output file fetched ahead into memory; larger ones are streamed to their sink afterwards. */
    private static final long PREFETCH_MAX_BYTES = 16L << 20;
    /** All of one prompt's prefetched files together; beyond it outputs are streamed by the collector. */
    private static final long PREFETCH_MAX_TOTAL_BYTES = 64L << 20;

    private final ComfySupervisor supervisor;
    private final WorkerSettings settings;
    private final ComfyClient comfy;
    private final ComfyRunner runner;
    private final InputStager stager;
    private final SinkSelector sinks;
    private final CatalogCache catalog;
    private final OutputCollector collector;
    private final Clock clock;
    /**
     * The last job's file cleanup, which runs while its result goes to the gateway; the next job waits for it
     * before it touches ComfyUI's folders, so a cleanup never deletes a file the next job uploaded.
     */
    private Thread cleanup;

    /** A handler for the ComfyUI {@code supervisor} runs, configured by {@code settings}. */
    public ComfyJobHandler(ComfySupervisor supervisor, WorkerSettings settings) {
        this(supervisor, settings, ComfyClient.builder(supervisor.baseUrl()).requestTimeout(Duration.ofMinutes(2)).build(),
                Clock.systemUTC());
    }

    ComfyJobHandler(ComfySupervisor supervisor, WorkerSettings settings, ComfyClient comfy, Clock clock) {
        this.supervisor = supervisor;
        this.settings = settings;
        this.comfy = comfy;
        this.clock = clock;
        this.runner = new ComfyRunner(comfy, clock);
        this.stager = new InputStager(new UrlFetcher(settings.urlPolicy()));
        this.sinks = new SinkSelector(settings.outputs(), settings.gateway());
        CatalogueReporter reporter = new CatalogueReporter(new GatewayClient(settings.gateway()));
        this.catalog = new CatalogCache(comfy, supervisor, reporter::report);
        this.collector = new OutputCollector(comfy);
    }

    @Override
    public void warmUp() throws InterruptedException {
        // the catalogue now, off the job loop: the gateway learns it (admission) and the first job finds it fetched
        Thread.ofVirtual().name("catalogue-prefetch").start(this::prefetchCatalogue);
        if (settings.warmupWorkflow() == null) {
            return;
        }
        log.info("Running the warm-up workflow before the first job");
        RunResult result = runner.run(settings.warmupWorkflow(),
                RunOptions.defaults().withTimeout(settings.job().executionTimeout()), RunListener.none());
        log.info("Warm-up ended {} in {} ms", result.status(), result.timings().total().toMillis());
        JobFiles files = new JobFiles(supervisor.folders().orElse(null));
        files.addOutputs(result.outputs());
        files.deleteAll();
        if (result.status() != RunStatus.SUCCESS) {
            throw new IllegalStateException("the warm-up workflow ended " + result.status()
                    + (result.error() == null ? "" : ": " + result.error()));
        }
    }

    private void prefetchCatalogue() {
        try {
            catalog.get();
        } catch (RuntimeException e) {
            log.warn("Could not read ComfyUI's node catalogue ahead of the first job: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            awaitCleanup();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runner.close();
    }

    @Override
    public JobOutcome handle(TakenJob job, JobContext context) throws InterruptedException {
        awaitCleanup();
        JobInput input;
        try {
            input = JobInput.parse(job.input()).withJobS3Config(job.raw().get("s3Config"));
        } catch (InvalidJobInputException e) {
            return finished(FailureBodies.reason("invalid_input", e.getMessage()));
        }
        if (supervisor.state() != ComfySupervisor.State.READY
                && !supervisor.awaitReady(settings.supervisor().readyTimeout())) {
            return comfyLost(job, "ComfyUI is not running on this worker (" + supervisor.state() + ")");
        }
        long comfyPid = supervisor.process().map(ProcessHandle::pid).orElse(-1L);
        Path scratch = settings.workDir().resolve("jobs").resolve(UUID.randomUUID().toString());
        JobFiles files = new JobFiles(supervisor.folders().orElse(null));
        try {
            return run(job, input, context, scratch, files);
        } catch (InvalidJobInputException e) {
            return finished(FailureBodies.reason("invalid_input", e.getMessage()));
        } catch (PromptRejectedException e) {
            // ComfyUI's own check disagreed with ours (e.g. a file that is missing on its disk)
            return finished(FailureBodies.invalidWorkflow("ComfyUI rejected the workflow: " + e.errorMessage(),
                    e.body() == null ? null : e.body().get("error"), e.nodeErrors()));
        } catch (ComfyUnavailableException | PromptLostException e) {
            return afterComfyFailure(job, e, comfyPid);
        } catch (ComfyException | UncheckedIOException e) {
            if (comfyDied(comfyPid)) {
                return afterComfyFailure(job, e, comfyPid);
            }
            log.error("Job {} failed talking to ComfyUI", job.id(), e);
            return finished(FailureBodies.reason("worker_error", "The worker could not run the workflow: " + e.getMessage()));
        } finally {
            startCleanup(files, scratch);
        }
    }

    /** Deletes the job's files off the job thread: unlinks cost milliseconds that the result need not wait for. */
    private synchronized void startCleanup(JobFiles files, Path scratch) {
        cleanup = Thread.ofVirtual().name("job-files-cleanup").start(() -> {
            files.deleteAll();
            deleteTree(scratch);
        });
    }

    private void awaitCleanup() throws InterruptedException {
        Thread last;
        synchronized (this) {
            last = cleanup;
        }
        if (last != null) {
            last.join();
        }
    }

    private JobOutcome run(TakenJob job, JobInput input, JobContext context, Path scratch, JobFiles files)
            throws InterruptedException {
        List<String> uploaded = stager.stage(input, scratch, (name, file) -> upload(name, file, files));
        PromptCheck check = PromptValidator.validate(input.workflow(), catalog.get(), validationContext());
        if (!check.ok()) {
            return finished(FailureBodies.invalidWorkflow(check.userMessage(), check.error().orElse(null),
                    check.nodeErrors()));
        }
        if (context.stopRequested() != null) {
            return stopped(context);
        }
        String promptId = UUID.randomUUID().toString();
        ObjectNode workflow = OutputIsolation.isolate(input.workflow(), promptId);
        files.addOutputFolder(promptId);
        ProgressReporter progress = new ProgressReporter(context, workflow, promptId,
                settings.job().progressInterval(), clock,
                input.preview() ? new PreviewEncoder(settings.job().previewMaxPixels()) : null);
        // outputs from the run's own executed events when its socket never dropped: no /history read after the end
        RunOptions options = RunOptions.defaults().withPromptId(promptId)
                .withTimeout(settings.job().executionTimeout()).withCancelOnTimeout(true).withOutputsFromEvents(true);
        if (input.comfyOrgApiKey() != null) {
            // where ComfyUI's API nodes look for the key (worker-comfyui sends it the same way)
            options = options.withExtraData(Json.MAPPER.createObjectNode().put("api_key_comfy_org", input.comfyOrgApiKey()));
        }
        // attached: the outputs come over /view, so fetch them while the prompt ends (on disk they are read there)
        OutputPrefetch prefetch = supervisor.folders().isEmpty()
                ? new OutputPrefetch(comfy, PREFETCH_MAX_BYTES, PREFETCH_MAX_TOTAL_BYTES, progress) : null;
        PromptRun run = runner.start(workflow, options, prefetch != null ? prefetch : progress);
        context.markPromptSubmitted();
        // DEBUG: at INFO a finished job is one line (the outbox's "accepted"); the prompt id is in the result
        log.debug("Job {} runs as prompt {}", job.id(), promptId);
        context.onStop(() -> stopPrompt(run));
        RunResult result;
        try (progress) {
            result = run.await();
            context.markComfyDone();
        } catch (RunTimeoutException e) {
            ensureStopped(promptId);
            return finished(FailureBodies.reason("timeout", "The workflow ran longer than this worker's execution"
                    + " timeout of " + settings.job().executionTimeout().toSeconds() + " s and was interrupted"));
        } catch (InterruptedException e) {
            run.cancel();
            throw e;
        }
        files.addOutputs(result.outputs());
        return switch (result.status()) {
            case SUCCESS -> succeeded(job, input, promptId, result, prefetch);
            case ERROR -> nodeFailed(promptId, result);
            case INTERRUPTED, CANCELLED -> context.stopRequested() != null ? stopped(context)
                    : finished(FailureBodies.reason("interrupted",
                            "The workflow was interrupted on ComfyUI by someone other than this worker"));
        };
    }

    private JobOutcome succeeded(TakenJob job, JobInput input, String promptId, RunResult result,
                                 OutputPrefetch prefetch) {
        ObjectNode output = Json.MAPPER.createObjectNode();
        try (OutputSink sink = sinks.forJob(input)) {
            collector.collect(job.id(), result.outputs(), sink, output, supervisor.folders().orElse(null), prefetch);
        }
        output.put("prompt_id", promptId);
        ObjectNode timings = output.putObject("timings");
        timings.put("total_ms", result.timings().total().toMillis());
        result.timings().execution().ifPresent(d -> timings.put("execution_ms", d.toMillis()));
        output.set("cached_nodes", Json.MAPPER.valueToTree(result.cachedNodes()));
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (output.path("outputs").isEmpty() && output.has("errors")) {
            body.put("error", "No output of the workflow could be delivered: " + output.get("errors").get(0).asString());
        }
        body.set("output", output);
        return new JobOutcome.Finished(body);
    }

    private JobOutcome nodeFailed(String promptId, RunResult result) {
        var error = result.error();
        if (isOutOfMemory(error.exceptionType(), error.exceptionMessage())) {
            log.warn("Prompt {} ran out of memory; asking ComfyUI to free models and caches", promptId);
            try {
                comfy.free(true, true);
            } catch (ComfyException e) {
                log.warn("POST /free failed: {}", e.getMessage());
            }
        }
        return finished(FailureBodies.nodeError(promptId, error));
    }

    static boolean isOutOfMemory(String type, String message) {
        String t = type == null ? "" : type;
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return t.contains("OutOfMemoryError") || m.contains("out of memory") || m.contains("allocation on device");
    }

    /** The gateway (or a shutdown) asked to stop: interrupt it, and restart ComfyUI if it does not let go. */
    private void stopPrompt(PromptRun run) {
        run.cancel();
        Thread.ofVirtual().name("stop-watch-" + run.promptId()).start(() -> {
            try {
                run.future().get(settings.job().interruptGrace().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                restartComfy("prompt " + run.promptId() + " did not stop within "
                        + settings.job().interruptGrace().toSeconds() + " s of an interrupt");
            } catch (Exception e) {
                // ended one way or another: nothing to do
            }
        });
    }

    /** After a timeout the run API has interrupted the prompt; make sure ComfyUI is really free of it. */
    private void ensureStopped(String promptId) throws InterruptedException {
        long deadline = System.nanoTime() + settings.job().interruptGrace().toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (!comfy.queue().contains(promptId)) {
                    return;
                }
            } catch (ComfyException e) {
                return; // unreachable: the supervisor's crash handling takes over
            }
            Thread.sleep(200);
        }
        restartComfy("prompt " + promptId + " was still running " + settings.job().interruptGrace().toSeconds()
                + " s after the execution timeout interrupted it");
    }

    private void restartComfy(String reason) {
        try {
            supervisor.restart(reason);
        } catch (ComfyStartException | IllegalStateException e) {
            log.error("ComfyUI restart failed: {}", e.getMessage());
        }
    }

    private JobOutcome afterComfyFailure(TakenJob job, RuntimeException e, long pidAtStart) throws InterruptedException {
        String reason = "ComfyUI stopped while running the job (" + e.getMessage() + ")";
        log.error("Job {}: {}", job.id(), reason);
        JobOutcome outcome = comfyLost(job, reason);
        // the next job must find a ComfyUI: wait for the supervisor's restart (or for it to give up)
        if (!supervisor.awaitReady(settings.supervisor().readyTimeout())) {
            log.error("ComfyUI did not come back after job {}", job.id());
        }
        return outcome;
    }

    private JobOutcome comfyLost(TakenJob job, String reason) {
        if (settings.job().onComfyCrash() == WorkerSettings.CrashPolicy.HAND_BACK) {
            return new JobOutcome.HandedBack(reason);
        }
        return finished(FailureBodies.reason("comfyui_crashed", reason + "; the worker restarts ComfyUI. Retry the job."));
    }

    private boolean comfyDied(long pidAtStart) {
        return supervisor.state() != ComfySupervisor.State.READY
                || supervisor.process().map(ProcessHandle::pid).orElse(-1L) != pidAtStart;
    }

    private String upload(String name, Path file, JobFiles files) {
        // a file that was there before this job (e.g. baked into the image) is not ours to delete afterwards
        boolean existed = supervisor.folders().map(f -> Files.exists(f.input().resolve(name))).orElse(true);
        String stored = comfy.uploadImage(name, () -> {
            try {
                return Files.newInputStream(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, new UploadOptions("input", "", true)).name();
        if (!existed) {
            files.addInputs(List.of(stored));
        }
        return stored;
    }

    private ValidationContext validationContext() {
        return supervisor.folders()
                .map(f -> ValidationContext.withFolders(f.input(), f.output(), f.temp().resolve("temp")))
                // attached: we cannot see its disk; ComfyUI's own check at POST /prompt still catches missing files
                .orElseGet(() -> ValidationContext.withFiles((folder, name) -> true));
    }

    private static JobOutcome stopped(JobContext context) {
        return context.stopRequested() == JobContext.StopReason.SHUTDOWN
                ? new JobOutcome.HandedBack("the worker is shutting down")
                : new JobOutcome.Stopped();
    }

    private static JobOutcome finished(ObjectNode body) {
        return new JobOutcome.Finished(body);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("Could not delete scratch folder {}: {}", dir, e.toString());
        }
    }
}
