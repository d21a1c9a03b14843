package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.http.BlockingHttp;
import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ViewStream;
import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.run.ComfyRunner;
import io.comfyfleet.comfy.client.run.PromptRun;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.comfy.client.run.RunOptions;
import io.comfyfleet.comfy.client.run.RunResult;
import io.comfyfleet.worker.JobTimings;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Benchmark (not a test, skipped unless {@code -Dcomfyfleet.bench=true}): {@code comfyfleet overhead}'s
 * measurement taken apart hop by hop, on real ComfyUI ({@code ../shared/comfyui/real}). The gateway and the worker
 * run in this JVM (so the client's clock, the worker's {@link JobTimings} marks and the direct calls' marks are one
 * {@link System#nanoTime()}), the worker launches real ComfyUI, and one client alternates a direct call on that
 * ComfyUI with a {@code /runsync} call (both with the same blocking HTTP client). Prints per hop p50/p90 of both
 * paths; see docs/performance.md. The 300 warm-up pairs by default let the JIT compile the served path first, as
 * in a gateway that has served for a while; with 10 it measures a cold JVM, milliseconds slower per hop.
 *
 * <pre>./mvnw -B -o -pl comfyfleet-cli surefire:test -Dcomfyfleet.bench=true -Dtest=RealOverheadHops [-Dcomfyfleet.bench.pairs=40] [-Dcomfyfleet.bench.warmup=300]</pre>
 */
@EnabledIfSystemProperty(named = "comfyfleet.bench", matches = "true")
class RealOverheadHops {
    private static final Path REAL = Path.of(System.getProperty("comfyfleet.repo.dir", "..")).toAbsolutePath()
            .normalize().resolve("../shared/comfyui/real").normalize();

    @TempDir
    Path dir;

    @Test
    void hops() throws Exception {
        int pairs = Integer.getInteger("comfyfleet.bench.pairs", 40);
        int warmUp = Integer.getInteger("comfyfleet.bench.warmup", 300);
        Map<String, JobTimings> timings = new ConcurrentHashMap<>();
        Map<String, List<Double>> hops = new LinkedHashMap<>();
        try (Fleet fleet = Fleet.start(dir, Fleet.Options.defaults().lease("30s", Duration.ofSeconds(5), Duration.ofSeconds(10)),
                t -> timings.put(t.jobId(), t), REAL)) {
            ComfyClient comfy = ComfyClient.builder(URI.create("http://127.0.0.1:" + fleet.comfyPort))
                    .requestTimeout(Duration.ofMinutes(1)).build();
            BlockingHttp client = new BlockingHttp(Duration.ofSeconds(5));
            try (ComfyRunner runner = new ComfyRunner(comfy)) {
                for (int i = 0; i < warmUp + pairs; i++) {
                    boolean counted = i >= warmUp;
                    // direct: POST /prompt, its events until it ends, GET /view of the image
                    long d0 = System.nanoTime();
                    PromptRun run = runner.start(workflow(2 * i), RunOptions.defaults().withTimeout(Duration.ofMinutes(1))
                            .withOutputsFromEvents(true), RunListener.none());
                    long d1 = System.nanoTime();
                    RunResult result = run.await();
                    long d2 = System.nanoTime();
                    assertThat(result.succeeded()).isTrue();
                    for (OutputFile f : result.outputs().outputs()) {
                        try (ViewStream v = comfy.view(f.ref())) {
                            v.body().transferTo(OutputStream.nullOutputStream());
                        }
                    }
                    long d3 = System.nanoTime();
                    // served: POST /runsync, the image inline in the answer
                    ObjectNode body = Json.MAPPER.createObjectNode();
                    body.putObject("input").set("workflow", workflow(2 * i + 1));
                    long s0 = System.nanoTime();
                    // the client the direct path's POST /prompt uses too (a blocking HTTP/1.1 exchange)
                    BlockingHttp.Answer answer = client.exchange(URI.create(fleet.base() + "/v2/ep1/runsync?wait=60000"),
                            Map.of("Authorization", "Bearer " + Fleet.CLIENT_KEY), Json.MAPPER.writeValueAsBytes(body),
                            Duration.ofMinutes(1));
                    JsonNode done = Json.MAPPER.readTree(answer.body());
                    long s1 = System.nanoTime();
                    assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
                    String id = done.path("id").asString();
                    await().atMost(Duration.ofSeconds(10)).until(() -> timings.containsKey(id));
                    JobTimings t = timings.get(id);
                    if (counted) {
                        add(hops, "direct: POST /prompt answered", d1 - d0);
                        add(hops, "direct: prompt accepted -> ended (events)", d2 - d1);
                        add(hops, "direct: ended -> image read (GET /view)", d3 - d2);
                        add(hops, "direct: total", d3 - d0);
                        add(hops, "served: client send -> worker has the job", t.takenNanos() - s0);
                        add(hops, "served: job taken -> POST /prompt answered", t.promptSubmittedNanos() - t.takenNanos());
                        add(hops, "served: prompt accepted -> ended (events)", t.comfyDoneNanos() - t.promptSubmittedNanos());
                        add(hops, "served: ended -> result built (outputs read)", t.resultReadyNanos() - t.comfyDoneNanos());
                        add(hops, "served: result built -> job-done accepted", t.resultPostedNanos() - t.resultReadyNanos());
                        add(hops, "served: job-done accepted -> client has answer", s1 - t.resultPostedNanos());
                        add(hops, "served: total", s1 - s0);
                        add(hops, "served - direct (per pair)", (s1 - s0) - (d3 - d0));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d pairs after %d warm-up, load average %s%n", pairs, warmUp,
                Files.readString(Path.of("/proc/loadavg")).trim());
        hops.forEach((name, v) -> {
            double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "%-48s p50 %8.2f ms  p90 %8.2f ms%n", name, rank(s, 0.5), rank(s, 0.9));
        });
    }

    private static void add(Map<String, List<Double>> hops, String name, long nanos) {
        hops.computeIfAbsent(name, k -> new ArrayList<>()).add(nanos / 1e6);
    }

    private static double rank(double[] sorted, double p) {
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static ObjectNode workflow(int color) {
        ObjectNode w = (ObjectNode) Json.MAPPER.readTree(OverheadCommand.WORKFLOW);
        ((ObjectNode) w.get("1").get("inputs")).put("color", color + 1);
        return w;
    }
}
