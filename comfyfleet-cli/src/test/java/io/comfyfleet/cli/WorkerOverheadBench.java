package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.worker.JobTimings;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.ToLongFunction;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Benchmark (not a test, skipped unless {@code -Dcomfyfleet.bench=true}): the worker's own overhead per job,
 * job taken → prompt submitted and ComfyUI done → job-done accepted, through the real gateway, the worker and
 * the emulator process in zero-time mode, for one 512×512 PNG returned inline. Jobs go one at a time through
 * {@code /runsync}, so each is measured on an idle worker. Prints p50/p95/p99; see docs/performance.md.
 *
 * <pre>./mvnw -B -o -pl comfyfleet-cli -am verify -Dcomfyfleet.bench=true -Dtest=WorkerOverheadBench \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dcomfyfleet.bench.jobs=500]</pre>
 */
@EnabledIfSystemProperty(named = "comfyfleet.bench", matches = "true")
class WorkerOverheadBench {
    private static final String WORKFLOW = "{\"workflow\":{"
            + "\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":512,\"height\":512,\"batch_size\":1,\"color\":%d}},"
            + "\"2\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],\"filename_prefix\":\"bench\"}}}}";

    @TempDir
    Path dir;

    @Test
    void workerOverheadPerJob() throws Exception {
        int jobs = Integer.getInteger("comfyfleet.bench.jobs", 500);
        int warmUp = Integer.getInteger("comfyfleet.bench.warmup", 100);
        ConcurrentLinkedQueue<JobTimings> timings = new ConcurrentLinkedQueue<>();
        try (Fleet fleet = Fleet.start(dir, Fleet.Options.defaults().emulatorFlags("--zero-time"), timings::add)) {
            for (int i = 0; i < warmUp + jobs; i++) {
                JsonNode done = fleet.call("POST", "/v2/ep1/runsync?wait=60000",
                        "{\"input\":" + WORKFLOW.formatted(i % 256) + "}");
                if (!done.path("status").asString().equals("COMPLETED")) {
                    done = fleet.awaitTerminal(done.path("id").asString());
                }
                assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
                if (i == 0) {
                    // what is measured is real: one 512x512 PNG, inline
                    byte[] png = Base64.getDecoder().decode(done.path("output").path("images").get(0).path("data").asString());
                    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
                    assertThat(image.getWidth()).isEqualTo(512);
                    assertThat(image.getHeight()).isEqualTo(512);
                    System.out.printf(Locale.ROOT, "output: 512x512 PNG, %d bytes inline%n", png.length);
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> timings.size() >= warmUp + jobs);
        }
        List<JobTimings> measured = timings.stream().skip(warmUp).toList();
        assertThat(measured).allMatch(JobTimings::complete);
        System.out.printf(Locale.ROOT, "jobs measured: %d (after %d warm-up), cores: %d, load average: %s%n",
                measured.size(), warmUp, Runtime.getRuntime().availableProcessors(), loadAverage());
        report("taken -> prompt submitted", measured, t -> t.takenToSubmitted().toNanos());
        report("ComfyUI done -> job-done accepted", measured, t -> t.doneToPosted().toNanos());
        report("  of which: done -> result built", measured, t -> t.doneToReady().toNanos());
        // ComfyUI's own time included: with zero-time nodes, mostly the wait between its end and a readable /history
        report("prompt submitted -> ComfyUI done", measured, t -> t.comfyDoneNanos() - t.promptSubmittedNanos());
        report("taken -> job-done accepted (total)", measured, t -> t.resultPostedNanos() - t.takenNanos());
    }

    private static void report(String what, List<JobTimings> measured, ToLongFunction<JobTimings> f) {
        long[] v = measured.stream().mapToLong(f).sorted().toArray();
        System.out.printf(Locale.ROOT, "%-36s p50 %7.3f ms  p95 %7.3f ms  p99 %7.3f ms  max %7.3f ms%n", what,
                ms(v, 0.50), ms(v, 0.95), ms(v, 0.99), v[v.length - 1] / 1e6);
    }

    /** Nearest-rank percentile, in milliseconds. */
    private static double ms(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    private static String loadAverage() {
        try {
            return Arrays.toString(java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4))
                    .replaceAll("\\[|\\]", "").replaceAll(", [^,]*$", "");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
