package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.emulator.cli.EmulatorOptions;
import io.comfyfleet.emulator.testing.TestEmulator;
import io.comfyfleet.emulator.testing.Workflows;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The swap profiles: where the checkpoint files live decides what a checkpoint swap costs. */
class SwapProfileTest {
    @TempDir
    Path dir;

    @Test
    void aSwapReadsTheCheckpointAgainOnlyWhenTheProfileSaysSo() throws Exception {
        Duration read = Duration.ofMillis(400);
        try (TestEmulator comfy = TestEmulator.start(dir, b -> b.timing(TimingModel.zero().withSwapRead(read)))) {
            comfy.run(Workflows.textToImage("rand_a.safetensors", 1, 2, 64, 1)); // first load: no swap
            long start = System.nanoTime();
            comfy.run(Workflows.textToImage("rand_b.safetensors", 2, 2, 64, 1));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(read);
        }
    }

    @Test
    void theNetworkVolumeProfileAddsTheRecordedColdReadToTheDefaultCacheSwap() {
        assertThat(TimingModel.h100().swapRead()).isZero();
        assertThat(TimingModel.h100NetworkVolume().swapRead()).isEqualTo(Duration.ofMillis(3_970));
        assertThat(TimingModel.h100NetworkVolume().withSwapRead(Duration.ZERO)).isEqualTo(TimingModel.h100());
    }

    @Test
    void theFlagChoosesTheProfileAndNamesItselfWhenWrong() {
        assertThat(options("--swap-profile", "network-volume").timing().swapRead()).isEqualTo(Duration.ofMillis(3_970));
        assertThat(options().timing()).isEqualTo(TimingModel.h100());
        assertThatThrownBy(() -> options("--swap-profile", "nfs"))
                .isInstanceOf(EmulatorException.class)
                .hasMessage("--swap-profile must be default-cache or network-volume, got nfs");
    }

    private EmulatorConfig options(String... args) {
        EmulatorOptions options = new EmulatorOptions();
        new CommandLine(options).parseArgs(args);
        return options.toConfig(List.of(args));
    }
}
