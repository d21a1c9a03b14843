package io.comfyfleet.worker.run;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ComfyTimeoutException;
import io.comfyfleet.comfy.client.ComfyUnavailableException;
import io.comfyfleet.comfy.client.PromptRejectedException;
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
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
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
 *
 * <p>This class is the run itself; what to do when ComfyUI misbehaves is {@link ComfyRecovery}, and the job's
 * files and their clean-up are its {@link JobWorkspace}.
 */
public final class ComfyJobHandler implements JobHandler {
    private static final Logger log = LoggerFactory.getLogger(ComfyJobHandler.class);
    /** The largest output file fetched ahead into memory; larger ones are streamed to their sink afterwards. */
    private static final long PREFETCH_MAX_BYTES = 16L << 20;
    /** All of one prompt's prefetched files together; beyond it outputs are streamed by the collector. */
    private static final long PREFETCH_MAX_TOTAL_BYTES = 64L << 20;
    /**
     * The bound on calls ComfyUI answers from memory (POST /prompt, /history, /queue, /interrupt, /free); a call
     * without an answer by then means ComfyUI is hung, and it is restarted. POST /prompt is the slowest of them, as
     * ComfyUI validates the prompt before answering: on real ComfyUI 0.3.64 on a busy two-core CPU box it answered a
     * 12-node prompt in 9 ms, 1,000 nodes in 12 ms, 10,000 nodes in 250 ms, 2,000 LoadImage nodes (a file check each)
     * in 140 ms and a 50 MB body in 210 ms. Validation may also list model folders, but the catalogue read before
     * every first submit has listed them already. 30 s is over a hundred times the slowest of those, and a hung
     * ComfyUI holds a job (and the next ones, which would go to it) no longer than that; a cancel does not wait for
     * it at all ({@link PromptStop}).
     */
    private static final Duration QUICK_CALL_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The bound on the other calls: /object_info (megabytes, built per call, slow with many custom nodes and model
     * folders on a network volume), uploads, and a download until its headers.
     */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);

    /**
     * A job as the gateway hands it out, read and written as a real one is: Jackson's mapper and the input's
     * reader are set up while ComfyUI boots (~80 ms at first use in a class-load log of a worker on a busy
     * two-core machine), not in the first job's execution time.
     */
    private static final String MADE_UP_JOB = """
            {"id": "prepare", "input": {"workflow": {"1": {"class_type": "EmptyImage", "inputs": {"width": 64,
            "height": 64, "batch_size": 1, "color": 0}}, "2": {"class_type": "SaveImage", "inputs": {"images":
            ["1", 0], "filename_prefix": "prepare"}}}, "images": [{"name": "prepare.png", "image": "aGVsbG8="}]}}
            """;

    private final ComfySupervisor supervisor;
    private final WorkerSettings settings;
    private final ComfyClient comfy;
    private final ComfyRunner runner;
    private final InputStager stager;
    private final SinkSelector sinks;
    private final CatalogCache catalog;
    private final OutputCollector collector;
    private final Clock clock;
    private final ComfyRecovery recovery;
    private final JobWorkspace.Sequence workspaces;

    /** A handler for the ComfyUI {@code supervisor} runs, configured by {@code settings}. */
    public ComfyJobHandler(ComfySupervisor supervisor, WorkerSettings settings) {
        this(supervisor, settings, ComfyClient.builder(supervisor.baseUrl()).requestTimeout(REQUEST_TIMEOUT)
                .quickCallTimeout(QUICK_CALL_TIMEOUT).build(), Clock.systemUTC());
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
        this.recovery = new ComfyRecovery(supervisor, comfy, settings);
        this.workspaces = new JobWorkspace.Sequence(settings.workDir(), supervisor, comfy);
    }

    @Override
    public void prepare() {
        JsonNode job = Json.MAPPER.readTree(MADE_UP_JOB);
        JobInput input = JobInput.parse(job.get("input"));
        Json.MAPPER.writeValueAsBytes(input.workflow());
    }

    @Override
    public void warmUp() throws InterruptedException {
        // the catalogue now, off the job loop: the gateway learns it (admission) and the first job finds it fetched
        Thread.ofVirtual().name("catalogue-prefetch").start(this::prefetchCatalogue);
        // and the event socket, so the first job's submit does not wait for its handshake
        Thread.ofVirtual().name("comfyui-socket-open").start(this::openSocket);
        if (settings.warmupWorkflow() == null) {
            return;
        }
        log.info("Running the warm-up workflow before the first job");
        RunResult result = runner.run(settings.warmupWorkflow(),
                RunOptions.defaults().withTimeout(settings.job().executionTimeout()), RunListener.none());
        log.info("Warm-up ended {} in {} ms", result.status(), result.timings().total().toMillis());
        try (JobWorkspace workspace = workspaces.open()) {
            workspace.addOutputs(result.outputs());
        }
        if (result.status() != RunStatus.SUCCESS) {
            throw new IllegalStateException("the warm-up workflow ended " + result.status()
                    + (result.error() == null ? "" : ": " + result.error()));
        }
    }

    private void openSocket() {
        try {
            runner.openSocket();
        } catch (RuntimeException e) {
            log.warn("Could not open ComfyUI's event socket ahead of the first job: {}", e.getMessage());
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
            workspaces.awaitCleanup();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runner.close();
    }

    @Override
    public JobOutcome handle(TakenJob job, JobContext context) throws InterruptedException {
        workspaces.awaitCleanup();
        JobInput input;
        try {
            input = JobInput.parse(job.input()).withJobS3Config(job.raw().get("s3Config"));
        } catch (InvalidJobInputException e) {
            return finished(FailureBodies.reason("invalid_input", e.getMessage()));
        }
        if (!recovery.awaitReady()) {
            return recovery.comfyLost(job, "ComfyUI is not running on this worker (" + supervisor.state() + ")");
        }
        long comfyPid = recovery.pid();
        try (JobWorkspace workspace = workspaces.open()) {
            return run(job, input, context, workspace, comfyPid);
        } catch (InvalidJobInputException e) {
            return finished(FailureBodies.reason("invalid_input", e.getMessage()));
        } catch (PromptRejectedException e) {
            // ComfyUI's own check disagreed with ours (e.g. a file that is missing on its disk)
            return finished(FailureBodies.invalidWorkflow("ComfyUI rejected the workflow: " + e.errorMessage(),
                    e.body() == null ? null : e.body().get("error"), e.nodeErrors()));
        } catch (ComfyUnavailableException | PromptLostException e) {
            return afterCrash(job, context, e);
        } catch (ComfyTimeoutException e) {
            // ComfyUI took a call and did not answer it in time: hung, and a hung ComfyUI does not come back by itself
            JobOutcome lost = recovery.afterHung(job, comfyPid, e);
            return context.stopRequested() == null ? lost : stopped(context);
        } catch (ComfyException | UncheckedIOException e) {
            if (recovery.died(comfyPid)) {
                return afterCrash(job, context, e);
            }
            log.error("Job {} failed talking to ComfyUI", job.id(), e);
            return finished(FailureBodies.reason("worker_error", "The worker could not run the workflow: " + e.getMessage()));
        }
    }

    /**
     * ComfyUI went away under the job. When the job was asked to stop, that is this worker restarting a ComfyUI that
     * ignored the interrupt ({@link ComfyRecovery#stop}): the job stopped (cancelled, or handed back at a shutdown),
     * it did not crash, though the lost connection may be seen before the stop path's own end.
     */
    private JobOutcome afterCrash(TakenJob job, JobContext context, RuntimeException e) throws InterruptedException {
        if (context.stopRequested() == null) {
            return recovery.afterCrash(job, e);
        }
        log.info("Job {} was asked to stop; its ComfyUI is being restarted ({})", job.id(), e.getMessage());
        if (!recovery.awaitReady()) {
            log.error("ComfyUI did not come back after job {} was stopped", job.id());
        }
        return stopped(context);
    }

    private JobOutcome run(TakenJob job, JobInput input, JobContext context, JobWorkspace workspace, long comfyPid)
            throws InterruptedException {
        stager.stage(input, workspace.scratch(), workspace::upload);
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
        workspace.addOutputFolder(promptId);
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
        // registered before the submit, so that a stop ends a submit ComfyUI does not answer
        PromptStop stop = new PromptStop(comfy, recovery::stop);
        context.onStop(stop);
        PromptRun run;
        try {
            run = runner.start(workflow, options, prefetch != null ? prefetch : progress);
        } catch (RuntimeException e) {
            progress.close();
            if (stop.submitted(null)) {
                log.info("Job {} was stopped during its submit ({})", job.id(), e.getMessage());
                recovery.abandoned(promptId, comfyPid);
                return stopped(context);
            }
            throw e;
        }
        stop.submitted(run);
        context.markPromptSubmitted();
        // DEBUG: at INFO a finished job is one line (the outbox's "accepted"); the prompt id is in the result
        log.debug("Job {} runs as prompt {}", job.id(), promptId);
        RunResult result;
        try (progress) {
            result = run.await();
            context.markComfyDone();
        } catch (RunTimeoutException e) {
            return recovery.afterTimeout(promptId);
        } catch (InterruptedException e) {
            run.cancel();
            throw e;
        }
        workspace.addOutputs(result.outputs());
        return switch (result.status()) {
            case SUCCESS -> succeeded(job, input, promptId, result, prefetch);
            case ERROR -> result.error() != null ? recovery.afterNodeError(promptId, result.error())
                    : finished(FailureBodies.reason("comfyui_error", unexplainedFailure(result)));
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

    /**
     * A prompt ComfyUI's history records as failed without an execution_error (no node, no exception): said so, rather
     * than read as a node error that is not there (which ended the job in a NullPointerException).
     */
    private static String unexplainedFailure(RunResult result) {
        String status = result.history() == null ? null : result.history().statusStr();
        return "ComfyUI ended the workflow as failed (its history says status " + (status == null ? "(none)"
                : "\"" + status + "\"") + ") without saying which node failed or why; ComfyUI's own log on the"
                + " worker may tell";
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
}
