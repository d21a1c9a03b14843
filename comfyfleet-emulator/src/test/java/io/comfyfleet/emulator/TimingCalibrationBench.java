package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.emulator.testing.ComfyTestClient;
import io.comfyfleet.emulator.testing.TestEmulator;
import io.comfyfleet.emulator.testing.Workflows;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * A benchmark, not a test: replays the H100 g01..g09 sequence with the calibrated timing model and prints
 * each job's wall time next to the recorded one. Run with
 * {@code ./mvnw -pl comfyfleet-emulator verify -Dtest=TimingCalibrationBench -Dcomfyfleet.bench=true}.
 */
@EnabledIfSystemProperty(named = "comfyfleet.bench", matches = "true")
class TimingCalibrationBench {
    @TempDir
    Path dir;

    @Test
    void h100Sequence() throws Exception {
        Map<String, Double> recorded = new LinkedHashMap<>();
        Map<String, Double> measured = new LinkedHashMap<>();
        try (TestEmulator comfy = TestEmulator.start(dir, b -> b.timing(TimingModel.h100().withStartup(Duration.ZERO)).previews(true))) {
            measure(comfy, measured, recorded, "g01 cold", 7.07, Workflows.textToImage("rand_a.safetensors", 1, 20, 512, 1));
            measure(comfy, measured, recorded, "g02 warm", 0.92, Workflows.textToImage("rand_a.safetensors", 2, 20, 512, 1));
            measure(comfy, measured, recorded, "g03 warm", 1.09, Workflows.textToImage("rand_a.safetensors", 3, 20, 512, 1));
            measure(comfy, measured, recorded, "g04 swap", 1.85, Workflows.textToImage("rand_b.safetensors", 4, 20, 512, 1));
            measure(comfy, measured, recorded, "g05 warm", 0.88, Workflows.textToImage("rand_b.safetensors", 5, 20, 512, 1));
            measure(comfy, measured, recorded, "g06 swapback", 1.70, Workflows.textToImage("rand_a.safetensors", 6, 20, 512, 1));
            measure(comfy, measured, recorded, "g07 batch4", 1.63, Workflows.textToImage("rand_a.safetensors", 7, 20, 512, 4));
            measure(comfy, measured, recorded, "g08 1024", 1.59, Workflows.textToImage("rand_a.safetensors", 8, 20, 1024, 1));
            measure(comfy, measured, recorded, "g09 rerun", 0.004, Workflows.textToImage("rand_a.safetensors", 8, 20, 1024, 1));
        }
        measured.forEach((name, seconds) -> System.out.printf("%-13s emulated %6.3f s   recorded %6.3f s%n", name, seconds, recorded.get(name)));
        assertThat(measured.get("g01 cold")).isGreaterThan(measured.get("g02 warm"));
    }

    /**
     * The swap-cost table of ../shared/comfyui/README.md (default cache, one process, jobs one at a time): alternating
     * checkpoints A,B,A,B 1.60 s/job against 0.91 s/job on one model, so a swap costs 0.69 s per job.
     */
    @Test
    void swapCostPerJob() throws Exception {
        swapCost(TimingModel.h100(), "alt", 0.69);
    }

    /**
     * The network-volume profile: the same, with every swap reading the checkpoint again (g01 − h01 = 3.97 s more),
     * so about 0.69 + 3.97 = 4.66 s per job. Not a recording of a network volume: derived from two recordings.
     */
    @Test
    void networkVolumeSwapCostPerJob() throws Exception {
        swapCost(TimingModel.h100NetworkVolume(), "nv", 0.69 + 3.97);
    }

    private void swapCost(TimingModel timing, String name, double expectedSwap) throws Exception {
        int jobs = 8;
        double alternating;
        double same;
        try (TestEmulator comfy = TestEmulator.start(dir.resolve(name + "-alt"), b -> b.timing(timing.withStartup(Duration.ZERO)))) {
            run(comfy, "rand_a.safetensors", 100); // the first GPU load (CUDA start) is not part of either figure
            long start = System.nanoTime();
            for (int i = 0; i < jobs; i++) {
                run(comfy, i % 2 == 0 ? "rand_b.safetensors" : "rand_a.safetensors", 200 + i);
            }
            alternating = (System.nanoTime() - start) / 1e9 / jobs;
        }
        try (TestEmulator comfy = TestEmulator.start(dir.resolve(name + "-same"), b -> b.timing(timing.withStartup(Duration.ZERO)))) {
            run(comfy, "rand_a.safetensors", 100);
            long start = System.nanoTime();
            for (int i = 0; i < jobs; i++) {
                run(comfy, "rand_a.safetensors", 300 + i);
            }
            same = (System.nanoTime() - start) / 1e9 / jobs;
        }
        System.out.printf("alternating A,B  emulated %5.3f s/job   expected %5.3f s/job%n", alternating, 0.91 + expectedSwap);
        System.out.printf("same model       emulated %5.3f s/job   recorded 0.910 s/job%n", same);
        System.out.printf("swap cost        emulated %5.3f s/job   expected %5.3f s/job%n", alternating - same, expectedSwap);
        assertThat(alternating).isGreaterThan(same);
    }

    private static void run(TestEmulator comfy, String checkpoint, long seed) throws Exception {
        String id = comfy.submit(Workflows.textToImage(checkpoint, seed, 20, 512, 1));
        comfy.socket.await(ComfyTestClient.executingNull(id), Duration.ofSeconds(60));
    }

    private static void measure(TestEmulator comfy, Map<String, Double> measured, Map<String, Double> recorded, String name,
            double real, ObjectNode prompt) throws Exception {
        long start = System.nanoTime();
        String id = comfy.submit(prompt);
        comfy.socket.await(ComfyTestClient.executingNull(id), Duration.ofSeconds(60));
        measured.put(name, (System.nanoTime() - start) / 1e9);
        recorded.put(name, real);
    }
}
