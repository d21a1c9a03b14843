package io.comfyfleet.cli;

import io.comfyfleet.sdk.ComfyFleetClient;
import io.comfyfleet.sdk.ComfyFleetException;
import io.comfyfleet.sdk.Endpoint;
import io.comfyfleet.sdk.JobResult;
import io.comfyfleet.sdk.RunOptions;
import io.comfyfleet.sdk.Workflow;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code comfyfleet bench}: N concurrent clients submit M jobs through the Java SDK (closed loop, or at a fixed
 * arrival rate) and wait for each result; reports throughput and p50/p95/p99 of delay time, execution time and
 * end-to-end latency as JSON and a Markdown table.
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
    @Option(names = "--json", defaultValue = "bench.json", description = "JSON report file (default ${DEFAULT-VALUE})")
    Path jsonFile;
    @Option(names = "--markdown", defaultValue = "bench.md", description = "Markdown report file (default ${DEFAULT-VALUE})")
    Path markdownFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (clients < 1 || jobs < 1 || (rate != null && !(rate > 0))) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--clients and --jobs must be at least 1, and --rate above 0");
        }
        Workflow workflow = workflowFile == null ? Workflow.parse(TINY_WORKFLOW) : Workflow.read(workflowFile);
        Endpoint ep = ComfyFleetClient.builder().baseUrl(url)
                .apiKey(key != null ? key : System.getenv("COMFYFLEET_CLIENT_KEY")).build().endpoint(endpoint);

        List<BenchReport.Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < jobs) {
                        if (rate != null) {
                            // open loop: job i arrives at i / rate seconds, however the earlier ones are doing
                            LockSupport.parkNanos(start + (long) (i / rate * 1e9) - System.nanoTime());
                        }
                        samples.add(runOne(ep, workflow));
                    }
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long wallMs = (System.nanoTime() - start) / 1_000_000;

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("url", url);
        settings.put("endpoint", endpoint);
        settings.put("clients", clients);
        settings.put("workflow", workflowFile == null ? "EmptyImage -> SaveImage" : workflowFile.toString());
        settings.put("arrivals", rate == null ? "closed loop" : rate + "/s");
        BenchReport report = new BenchReport(samples, wallMs, settings);
        Files.writeString(jsonFile, io.comfyfleet.comfy.Json.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(report.toJson()));
        Files.writeString(markdownFile, report.toMarkdown());
        PrintWriter out = spec.commandLine().getOut();
        out.print(report.toMarkdown());
        out.println("wrote " + jsonFile + " and " + markdownFile);
        out.flush();
        return report.completed() == jobs ? 0 : 1;
    }

    private BenchReport.Sample runOne(Endpoint ep, Workflow workflow) {
        long submitted = System.nanoTime();
        try {
            JobResult result = ep.run(workflow, List.of(), RunOptions.defaults()).await(Duration.ofSeconds(jobTimeoutS));
            return new BenchReport.Sample("COMPLETED", result.status().delayTimeMillis(),
                    result.status().executionTimeMillis(), (System.nanoTime() - submitted) / 1_000_000);
        } catch (ComfyFleetException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return new BenchReport.Sample(e.getClass().getSimpleName(), -1, -1, (System.nanoTime() - submitted) / 1_000_000);
        }
    }
}
