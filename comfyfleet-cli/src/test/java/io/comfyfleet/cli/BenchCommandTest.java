package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.ComfyEmulator;
import io.comfyfleet.emulator.EmulatorConfig;
import io.comfyfleet.emulator.RunningEmulator;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/** {@code comfyfleet bench} against a real gateway whose jobs a protocol-speaking test worker completes. */
class BenchCommandTest {
    static final String CLIENT_KEY = "bench-client-key-0123456789";
    static final String WORKER_KEY = "bench-worker-key-0123456789";

    @TempDir
    Path dir;

    @Test
    void runsEveryJobAndWritesBothReports() throws Exception {
        GatewayConfig config = new ConfigLoader(name -> null).parse("""
                server: {host: 127.0.0.1, port: 0, dataDir: data, jobTakeHold: 1s, jobStopHold: 1s}
                endpoints:
                  - name: ep
                    clientKeys: [%s]
                    workerKeys: [%s]
                """.formatted(CLIENT_KEY, WORKER_KEY), "bench test", dir);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        colours.clear();
        try (Gateway gateway = Gateway.start(config, Gateway.openStore(config.store()), Clock.systemUTC())) {
            String root = "http://127.0.0.1:" + gateway.port() + "/v2/ep";
            Thread worker = Thread.ofVirtual().start(() -> work(root, stop, done));
            Path json = dir.resolve("bench.json");
            Path markdown = dir.resolve("bench.md");
            StringWriter out = new StringWriter();
            CommandLine cli = Main.commandLine();
            cli.setOut(new PrintWriter(out));
            StringWriter err = new StringWriter();
            cli.setErr(new PrintWriter(err));
            int exit;
            int[] directPrompts = new int[2];
            try (RunningEmulator comfy = ComfyEmulator.start(EmulatorConfig.builder().port(0)
                    .baseDirectory(dir.resolve("comfy")).zeroTime().build());
                 RunningEmulator comfy2 = ComfyEmulator.start(EmulatorConfig.builder().port(0)
                         .baseDirectory(dir.resolve("comfy2")).zeroTime().build())) {
                exit = cli.execute("bench", "--url", "http://127.0.0.1:" + gateway.port() + "/v2", "--endpoint", "ep",
                        "--key", CLIENT_KEY, "--clients", "2", "--jobs", "6", "--json", json.toString(),
                        "--markdown", markdown.toString(), "--direct-comfyui", comfy.baseUri().toString(),
                        "--direct-comfyui", comfy2.baseUri().toString(), "--vary", "1.color", "--status-seconds", "1");
                directPrompts[0] = history(comfy.baseUri());
                directPrompts[1] = history(comfy2.baseUri());
            }
            // the 6 baseline jobs went to the two ComfyUIs (how many each depends on which client was faster)
            assertThat(directPrompts[0] + directPrompts[1]).isEqualTo(6);
            assertThat(colours).as("every fleet job had its own colour").hasSize(6);
            stop.set(true);
            worker.join(Duration.ofSeconds(5));

            assertThat(exit).isZero();
            assertThat(done).hasValue(6);
            JsonNode report = Json.MAPPER.readTree(Files.readString(json));
            assertThat(report.path("jobs").asInt()).isEqualTo(6);
            assertThat(report.path("completed").asInt()).isEqualTo(6);
            assertThat(report.path("throughputPerSecond").asDouble()).isPositive();
            assertThat(report.path("end_to_end_latency_ms").path("p50").asLong()).isNotNegative();
            // the test worker reports 3 ms of ComfyUI time per job, so the overhead is end-to-end minus 3
            assertThat(report.path("comfyui_execution_ms").path("p99").asLong()).isEqualTo(3);
            assertThat(report.path("overhead_ms").path("n").asInt()).isEqualTo(6);
            assertThat(report.path("overhead_ms").path("max").asLong())
                    .isEqualTo(report.path("end_to_end_latency_ms").path("max").asLong() - 3);
            JsonNode direct = report.path("direct_comfyui");
            assertThat(direct.path("completed").asInt()).isEqualTo(6);
            assertThat(direct.path("comfyui_execution_ms").path("n").asInt()).isEqualTo(6);
            assertThat(direct.path("overhead_ms").path("p50").asLong()).isNotNegative();
            assertThat(report.path("status_load").path("ok").asLong()).isPositive();
            assertThat(report.path("status_load").path("errors").asLong()).isZero();
            assertThat(Files.readString(markdown)).contains("| end-to-end latency |", "| jobs (completed) | 6 (6) |",
                    "| overhead |", "| direct ComfyUI: end-to-end latency |", "| /status load |");
            assertThat(out.toString()).contains("wrote " + json);
            // scripts/bench-local.sh reads the CPU counters at these lines; no warm-up was asked for
            assertThat(err.toString().lines().filter(l -> l.startsWith("bench phase: ")).toList()).containsExactly(
                    "bench phase: fleet measured", "bench phase: fleet done",
                    "bench phase: direct measured", "bench phase: direct done");
        }
    }

    @Test
    void eachDirectClientKeepsToOneComfyUi() throws Exception {
        try (RunningEmulator a = ComfyEmulator.start(EmulatorConfig.builder().port(0)
                .baseDirectory(dir.resolve("a")).zeroTime().build());
             RunningEmulator b = ComfyEmulator.start(EmulatorConfig.builder().port(0)
                     .baseDirectory(dir.resolve("b")).zeroTime().build())) {
            VariedWorkflow workflow = new VariedWorkflow(io.comfyfleet.sdk.Workflow.parse(BenchCommand.TINY_WORKFLOW), "1.color");
            DirectComfyJob direct = new DirectComfyJob(java.util.List.of(a.baseUri(), b.baseUri()), workflow,
                    Duration.ofSeconds(30), new PrintWriter(new StringWriter()));
            java.util.List<BenchReport.Sample> samples = new java.util.concurrent.CopyOnWriteArrayList<>();
            // the first client thread runs three jobs, then a second thread one: they are given different ComfyUIs
            Thread first = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 3; i++) {
                    samples.add(direct.get());
                }
            });
            first.join();
            Thread second = Thread.ofPlatform().start(() -> samples.add(direct.get()));
            second.join();

            assertThat(samples).extracting(BenchReport.Sample::outcome).containsOnly("COMPLETED").hasSize(4);
            assertThat(new int[] {history(a.baseUri()), history(b.baseUri())}).containsExactly(3, 1);
        }
    }

    @Test
    void aVaryThatNamesNoNumericInputIsRefusedWithWhatToChange() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("bench", "--url", "http://127.0.0.1:1/v2", "--endpoint", "ep", "--vary", "2.filename_prefix");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("no numeric input \"filename_prefix\" on node \"2\"");
    }

    private static int history(URI comfy) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String body = http.send(HttpRequest.newBuilder(comfy.resolve("/history")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return Json.MAPPER.readTree(body).size();
        }
    }

    private static final java.util.Set<Long> colours = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Takes jobs and completes each with an empty worker-comfyui result, until told to stop. */
    private static void work(String root, AtomicBoolean stop, AtomicInteger done) {
        HttpClient http = HttpClient.newHttpClient();
        while (!stop.get()) {
            try {
                HttpResponse<String> job = http.send(HttpRequest.newBuilder(URI.create(root + "/job-take/w1"))
                        .header("Authorization", WORKER_KEY).build(), HttpResponse.BodyHandlers.ofString());
                if (job.statusCode() != 200) {
                    continue;
                }
                JsonNode taken = Json.MAPPER.readTree(job.body());
                String id = taken.path("id").asString();
                colours.add(taken.path("input").path("workflow").path("1").path("inputs").path("color").asLong());
                HttpResponse<String> finished = http.send(HttpRequest.newBuilder(URI.create(root + "/job-done/w1/" + id))
                        .header("Authorization", WORKER_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"output\":{\"images\":[],\"timings\":{\"execution_ms\":3}}}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (finished.statusCode() == 200) {
                    done.incrementAndGet();
                }
            } catch (Exception e) {
                if (stop.get()) {
                    return;
                }
            }
        }
    }
}
