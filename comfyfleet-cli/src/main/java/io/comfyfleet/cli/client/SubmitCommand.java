package io.comfyfleet.cli.client;

import io.comfyfleet.comfy.workflow.UploadNames;

import io.comfyfleet.core.HumanDuration;
import io.comfyfleet.sdk.ComfyFleetException;
import io.comfyfleet.sdk.Endpoint;
import io.comfyfleet.sdk.InputImage;
import io.comfyfleet.sdk.JobCancelledException;
import io.comfyfleet.sdk.JobFailedException;
import io.comfyfleet.sdk.JobHandle;
import io.comfyfleet.sdk.JobResult;
import io.comfyfleet.sdk.JobState;
import io.comfyfleet.sdk.JobStatus;
import io.comfyfleet.sdk.JobTimedOutException;
import io.comfyfleet.sdk.Progress;
import io.comfyfleet.sdk.RunOptions;
import io.comfyfleet.sdk.Workflow;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code comfyfleet submit workflow.json}: queues an API-format ComfyUI workflow on a gateway through the SDK;
 * {@code comfyfleet submit --template NAME --param k=v ...} queues one of the endpoint's templates instead.
 * Without {@code --wait} it prints the job id; with it, it shows live progress on stderr, saves the outputs and
 * prints their paths. Exit codes: 0 completed (or queued), 1 the job failed, timed out or was cancelled,
 * 2 bad usage or input, 3 the gateway cannot be reached or is unavailable (HTTP 503, e.g. while it stops).
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submit an API-format ComfyUI workflow, or a template with --template and --param;"
                + " with --wait, follow it and save its outputs.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:completed (or queued, without --wait)", "1:the job failed, timed out or was cancelled",
                "2:bad usage or input",
                "3:the gateway cannot be reached, is unavailable (HTTP 503, e.g. stopping) or over the key's rate limit"
                        + " (HTTP 429); no job was created"})
public final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;
    @Parameters(index = "0", arity = "0..1", paramLabel = "WORKFLOW",
            description = "Workflow in API format (ComfyUI: Export (API)); not with --template")
    Path workflowFile;
    @Option(names = "--template", paramLabel = "NAME",
            description = "Run the endpoint's template NAME instead of a workflow file (GET /v2/{endpoint}/templates)")
    String template;
    @Option(names = "--param", paramLabel = "NAME=VALUE",
            description = "A template parameter, typed by the template's schema (repeatable)")
    List<String> params = new ArrayList<>();
    @Option(names = "--image", paramLabel = "FILE",
            description = "Input image, uploaded under its file name for LoadImage (repeatable)")
    List<Path> images = new ArrayList<>();
    @Option(names = "--wait", description = "Wait for the job, show its progress and save its outputs")
    boolean waitForResult;
    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the outputs (default: ./outputs/<job id>)")
    Path out;
    @Option(names = "--preview", description = "Ask for preview frames; with --wait the latest is kept as preview.jpg in the output folder")
    boolean preview;
    @Option(names = "--timeout", defaultValue = "1h", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Longest --wait, like 30s, 10m, 1h (default ${DEFAULT-VALUE}); the job goes on after it")
    Duration timeout;

    /** The workflow file's workflow; null for a template. */
    private Workflow workflow;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        JobHandle job;
        Endpoint endpoint;
        try {
            if ((workflowFile == null) == (template == null)) {
                throw new UsageException("give a WORKFLOW file or --template NAME (one of them)");
            }
            if (template == null && !params.isEmpty()) {
                throw new UsageException("--param sets a template's parameters: add --template NAME");
            }
            workflow = template == null ? readWorkflow() : null;
            List<InputImage> inputs = readImages();
            if (timeout.isNegative() || timeout.isZero()) {
                throw new UsageException("--timeout must be positive, like 30s, 10m or 1h; got "
                        + HumanDuration.of(timeout));
            }
            if (workflow != null) {
                LoadImageInputs.missing(workflow.json(), inputs.stream().map(InputImage::name).toList())
                        .forEach(warning -> stderr.println("comfyfleet submit: warning: " + warning));
                stderr.flush();
            }
            endpoint = client.endpoint();
            RunOptions options = RunOptions.defaults().preview(preview);
            job = workflow != null ? endpoint.run(workflow, inputs, options) : endpoint.run(TemplateParams.of(template,
                    params, endpoint.templates().stream().filter(t -> t.name().equals(template)).findFirst()),
                    inputs, options);
        } catch (UsageException e) {
            stderr.println("comfyfleet submit: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (ComfyFleetException e) {
            stderr.println("comfyfleet submit: " + client.explain(e)
                    + (ExitCodes.unavailable(e) && e.httpStatus() != 0 ? "; no job was created" : ""));
            return ExitCodes.forRequestFailure(e);
        }
        if (!waitForResult) {
            stdout.println(job.id());
            stdout.flush();
            return ExitCodes.OK;
        }
        stderr.println("job " + job.id() + " queued");
        stderr.flush();
        // Ctrl-C ends the wait, not the job: say so, and how to stop it (the JVM exits with 130 after the hook)
        Thread interrupted = new Thread(() -> {
            stderr.println();
            stderr.println("comfyfleet submit: stopped waiting; job " + job.id() + " keeps running on the gateway."
                    + " Cancel it: comfyfleet cancel " + job.id() + "   Follow it: comfyfleet status " + job.id());
            stderr.flush();
        }, "submit-interrupted");
        Runtime.getRuntime().addShutdownHook(interrupted);
        try {
            return follow(endpoint, job, stdout, stderr);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing to remove
            }
        }
    }

    private int follow(Endpoint endpoint, JobHandle job, PrintWriter stdout, PrintWriter stderr) {
        Path folder = out != null ? out : Path.of("outputs", job.id());
        boolean terminal = Terminal.isInteractive();
        ProgressLine line = new ProgressLine(stderr, terminal);
        PreviewFile previewFile = preview ? new PreviewFile(folder.resolve("preview.jpg"), stderr) : null;
        WaitingLine waiting = new WaitingLine(endpoint, job.id(), line, Clock.systemUTC(), terminal);
        job.onProgress(p -> {
            waiting.progressed();
            line.show(p);
            if (previewFile != null) {
                previewFile.write(p);
            }
        });
        JobResult result;
        try (waiting) {
            waiting.start();
            result = job.await(timeout);
        } catch (JobTimedOutException e) {
            line.finish();
            if (e.lastState() == JobState.TIMED_OUT) {
                stderr.println("comfyfleet submit: " + e.getMessage()); // the gateway ended it TIMED_OUT
            } else {
                stderr.println("comfyfleet submit: job " + job.id() + " did not finish within "
                        + HumanDuration.of(timeout) + " (--timeout); it is " + e.lastState() + " and goes on."
                        + " Follow it: comfyfleet status " + job.id() + "   Cancel it: comfyfleet cancel " + job.id());
            }
            return ExitCodes.JOB_FAILED;
        } catch (JobFailedException | JobCancelledException e) {
            line.finish();
            stderr.println("comfyfleet submit: " + e.getMessage());
            return ExitCodes.JOB_FAILED;
        } catch (ComfyFleetException e) {
            line.finish();
            stderr.println("comfyfleet submit: while waiting for job " + job.id() + ": " + client.explain(e));
            return ExitCodes.forGatewayFailure(e);
        }
        JobStatus done = result.status();
        line.showText(ProgressLine.done(done.state().name(), done.delayTimeMillis(), done.executionTimeMillis()));
        line.finish();
        try {
            List<Path> saved = result.saveTo(folder);
            for (String error : result.errors()) {
                stderr.println("comfyfleet submit: the worker reported: " + error);
            }
            if (saved.isEmpty()) {
                stderr.println("job " + job.id() + " completed without output files"
                        + (workflow == null ? "" : TemporaryOutputs.hint(workflow.json()).map(h -> ": " + h).orElse("")));
            }
            saved.forEach(stdout::println);
            stdout.flush();
            return ExitCodes.OK;
        } catch (UncheckedIOException e) {
            stderr.println("comfyfleet submit: job " + job.id() + " completed but " + e.getMessage() + ": "
                    + e.getCause().getMessage());
            return ExitCodes.JOB_FAILED;
        } catch (ComfyFleetException e) {
            stderr.println("comfyfleet submit: job " + job.id() + " completed but an output could not be fetched: "
                    + e.getMessage());
            return ExitCodes.forGatewayFailure(e);
        } finally {
            stderr.flush();
        }
    }

    private Workflow readWorkflow() {
        if (!Files.isRegularFile(workflowFile)) {
            throw new UsageException("workflow file " + workflowFile + " does not exist or is not a file");
        }
        try {
            return Workflow.read(workflowFile);
        } catch (IllegalArgumentException e) {
            // the SDK says what is wrong: not JSON, or a UI-format export (with how to export the API format)
            throw new UsageException(e.getMessage());
        } catch (UncheckedIOException e) {
            throw new UsageException(e.getMessage() + ": " + e.getCause().getMessage());
        }
    }

    /**
     * The {@code --image} files, each uploaded under its file name. Names the worker would refuse, and two files of
     * one name (each would overwrite the other in ComfyUI's input folder, so the worker refuses the job), are refused
     * here: otherwise the job fails only once a worker has booted for it.
     */
    private List<InputImage> readImages() {
        List<InputImage> inputs = new ArrayList<>();
        java.util.Map<String, Path> byName = new java.util.HashMap<>();
        for (Path image : images) {
            if (!Files.isRegularFile(image)) {
                throw new UsageException("input image " + image + " does not exist or is not a file");
            }
            String name = image.getFileName().toString();
            UploadNames.problem(name).ifPresent(problem -> {
                throw new UsageException("--image " + image + ": the name \"" + UploadNames.printable(name) + "\" "
                        + problem + "; rename the file (it is uploaded under its file name)");
            });
            Path sameName = byName.putIfAbsent(name, image);
            if (sameName != null) {
                throw new UsageException("--image " + sameName + " and " + image + " are both uploaded as \"" + name
                        + "\"; ComfyUI's input folder holds one file per name: rename one of them");
            }
            try {
                inputs.add(InputImage.fromFile(image));
            } catch (UncheckedIOException e) {
                throw new UsageException(e.getMessage() + ": " + e.getCause().getMessage());
            }
        }
        return inputs;
    }

    /** Keeps the latest preview frame in one file, so an image viewer that reloads it shows the job live. */
    private static final class PreviewFile {
        private final Path file;
        private final PrintWriter err;
        private boolean warned;

        PreviewFile(Path file, PrintWriter err) {
            this.file = file;
            this.err = err;
        }

        void write(Progress progress) {
            Optional<byte[]> frame = progress.preview();
            if (frame.isEmpty()) {
                return;
            }
            try {
                Files.createDirectories(file.getParent());
                Files.write(file, frame.get());
            } catch (IOException e) {
                if (!warned) { // a preview is a nicety: say once that it cannot be kept, and go on
                    warned = true;
                    err.println("comfyfleet submit: cannot write preview " + file + ": " + e.getMessage());
                }
            }
        }
    }
}
