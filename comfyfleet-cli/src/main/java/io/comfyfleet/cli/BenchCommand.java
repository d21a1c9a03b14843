package io.comfyfleet.cli;

import io.comfyfleet.sdk.ComfyFleetClient;
import io.comfyfleet.sdk.ComfyFleetException;
import io.comfyfleet.sdk.Endpoint;
import io.comfyfleet.sdk.JobResult;
import io.comfyfleet.sdk.RunOptions;
import io.comfyfleet.sdk.Workflow;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code comfyfleet bench}: N concurrent clients submit M jobs through the Java SDK (closed loop, or at a fixed
 * arrival rate) and wait for each result; reports throughput and p50/p95/p99 of delay time, execution time and
 * end-to-end latency, ComfyUI's own time and the overhead around it (end-to-end minus ComfyUI's time, as the worker
 * reports it in {@code output.timings.execution_ms}) as JSON and a Markdown table. Optionally also the same jobs
 * straight against a ComfyUI ({@code --direct-comfyui}) and a {@code /status} requests-per-second phase.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure an endpoint: concurrent clients, jobs, throughput and latency percentiles.")
final class BenchCommand implements Callable<Integer> {
    /** Runs on the ComfyUI emulator in milliseconds, so the numbers show the system, not a GPU. */
    static final String TINY_WORKFLOW = """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
             "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "bench"}}}""";

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080/v2", description = "API root (default ${DEFAULT-VALUE})")
    String url;
    @Option(names = "--endpoint", required = true, description = "Endpoint id")
    String endpoint;
    @Option(names = "--key", description = "Client key (default: COMFYFLEET_CLIENT_KEY)")
    String key;
    @Option(names = "--clients", defaultValue = "4", description = "Concurrent clients (default ${DEFAULT-VALUE})")
    int clients;
    @Option(names = "--jobs", defaultValue = "100", description = "Jobs in total (default ${DEFAULT-VALUE})")
    int jobs;
    @Option(names = "--workflow", description = "API-format workflow file (default: EmptyImage -> SaveImage)")
    Path workflowFile;
    @Option(names = "--rate", description = "Arrivals per second (default: each client submits as soon as its last job ended)")
    Double rate;
    @Option(names = "--job-timeout", defaultValue = "600", description = "Seconds to wait for one job (default ${DEFAULT-VALUE})")
    long jobTimeoutS;
    @Option(names = "--vary", paramLabel = "NODE.INPUT", description = "Give this numeric input (a seed, a colour) a"
            + " different value in every job, so ComfyUI's cache never answers a repeated prompt at once (e.g. 1.color)")
    String vary;
    @Option(names = "--json", defaultValue = "bench.json", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path jsonFile;
    @Option(names = "--markdown", defaultValue = "bench.md", description = "Markdown report file (default ${DEFAULT-VALUE})")
    Path markdownFile;

    @Option(names = "--warmup", defaultValue = "0", description = "Jobs run first and not counted, on each path"
            + " (default ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--direct-comfyui", description = "Also run the same jobs straight against this ComfyUI"
            + " (e.g. http://127.0.0.1:8188) with the same clients, as a baseline; repeat it for several ComfyUIs"
            + " (each client keeps to one, round robin)")
    List<URI> directComfyUrls = new java.util.ArrayList<>();
    @Option(names = "--status-seconds", defaultValue = "5", description = "Then hammer /status of a finished job"
            + " with the same number of clients for this long, 0 to skip (default ${DEFAULT-VALUE})")
    long statusSeconds;

    private String clientKey;
    private volatile String lastCompleted;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (clients < 1 || jobs < 1 || (rate != null && !(rate > 0)) || statusSeconds < 0 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--clients and --jobs must be at least 1, --rate above 0, --status-seconds and --warmup not negative");
        }
        Workflow given = workflowFile == null ? Workflow.parse(TINY_WORKFLOW) : Workflow.read(workflowFile);
        VariedWorkflow workflow;
        try {
            workflow = new VariedWorkflow(given, vary);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        clientKey = key != null ? key : System.getenv("COMFYFLEET_CLIENT_KEY");
        Endpoint ep = ComfyFleetClient.builder().baseUrl(url).apiKey(clientKey).build().endpoint(endpoint);

        if (warmup > 0) {
            // JIT and connection pools warm up on jobs that are not counted, on both paths
            phase("fleet warm-up");
            ClosedLoop.run(clients, warmup, null, () -> runOne(ep, workflow));
        }
        phase("fleet measured");
        ClosedLoop.Outcome fleet = ClosedLoop.run(clients, jobs, rate, () -> runOne(ep, workflow));
        phase("fleet done");
        BenchReport baseline = null;
        if (!directComfyUrls.isEmpty()) {
            try (DirectComfyJob direct = new DirectComfyJob(directComfyUrls, workflow, Duration.ofSeconds(jobTimeoutS),
                    spec.commandLine().getErr())) {
                if (warmup > 0) {
                    phase("direct warm-up");
                    ClosedLoop.run(clients, warmup, null, direct);
                }
                phase("direct measured");
                ClosedLoop.Outcome d = ClosedLoop.run(clients, jobs, rate, direct);
                phase("direct done");
                baseline = new BenchReport(d.samples(), d.wallMs(), Map.of("url", directLabel()));
            }
        }
        StatusLoad.Result status = null;
        if (statusSeconds > 0 && lastCompleted != null) {
            status = StatusLoad.run(url, endpoint, lastCompleted, clientKey, clients, Duration.ofSeconds(statusSeconds));
        }
        long wallMs = fleet.wallMs();

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("url", url);
        settings.put("endpoint", endpoint);
        settings.put("clients", clients);
        settings.put("warm-up jobs (not counted)", warmup);
        settings.put("workflow", workflowFile == null ? "EmptyImage -> SaveImage" : workflowFile.toString());
        if (vary != null) {
            settings.put("varied per job", vary);
        }
        settings.put("arrivals", rate == null ? "closed loop" : rate + "/s");
        if (!directComfyUrls.isEmpty()) {
            settings.put("direct ComfyUI", directLabel());
        }
        BenchReport report = new BenchReport(fleet.samples(), wallMs, settings, baseline, status);
        Files.writeString(jsonFile, io.comfyfleet.common.json.Json.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(report.toJson()));
        Files.writeString(markdownFile, report.toMarkdown());
        PrintWriter out = spec.commandLine().getOut();
        out.print(report.toMarkdown());
        out.println("wrote " + jsonFile + " and " + markdownFile);
        out.flush();
        return report.completed() == jobs && (baseline == null || baseline.completed() == jobs) ? 0 : 1;
    }

    /**
     * A line on standard error as each phase starts, so a script driving the bench can read the machine's
     * counters (CPU per process) around the measured phases alone.
     */
    private void phase(String name) {
        spec.commandLine().getErr().println("bench phase: " + name);
        spec.commandLine().getErr().flush();
    }

    private String directLabel() {
        return directComfyUrls.size() == 1 ? directComfyUrls.get(0).toString()
                : directComfyUrls.size() + " ComfyUIs, " + directComfyUrls.get(0) + " ...";
    }

    private BenchReport.Sample runOne(Endpoint ep, VariedWorkflow workflow) {
        Workflow job = workflow.next();
        long submitted = System.nanoTime();
        try {
            JobResult result = ep.run(job, List.of(), RunOptions.defaults()).await(Duration.ofSeconds(jobTimeoutS));
            long endToEnd = (System.nanoTime() - submitted) / 1_000_000;
            lastCompleted = result.id();
            // the worker reports ComfyUI's own time (execution_start to execution_success in its history)
            JsonNode comfyMs = result.output() == null ? null : result.output().path("timings").path("execution_ms");
            return new BenchReport.Sample("COMPLETED", result.status().delayTimeMillis(),
                    result.status().executionTimeMillis(), comfyMs != null && comfyMs.isNumber() ? comfyMs.asLong() : -1,
                    endToEnd);
        } catch (ComfyFleetException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return new BenchReport.Sample(e.getClass().getSimpleName(), -1, -1, (System.nanoTime() - submitted) / 1_000_000);
        }
    }
}
