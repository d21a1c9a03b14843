package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code comfyfleet overhead} attached to a real gateway and worker (this JVM) on the ComfyUI emulator: both
 * paths run and each round prints its percentiles; bad option combinations are refused with what to give.
 */
class OverheadCommandTest {
    @TempDir
    Path dir;

    @Test
    void alternatesDirectAndServedCallsAndPrintsEachRound() throws Exception {
        try (Fleet fleet = Fleet.start(dir, Fleet.Options.defaults())) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = run(out, err, "overhead", "--url", fleet.base() + "/v2", "--endpoint", "ep1", "--key",
                    Fleet.CLIENT_KEY, "--comfyui-url", "http://127.0.0.1:" + fleet.comfyPort, "--pairs", "3",
                    "--rounds", "2", "--warmup", "1");
            assertThat(exit).as(err.toString()).isZero();
            // a round: its number, then direct, served and per-pair percentiles (three numbers each), then the p50 gap
            Pattern round = Pattern.compile("(?m)^ +\\d \\| [\\d.]+ / [\\d.]+ / [\\d.]+ \\| [\\d.]+ / [\\d.]+ / [\\d.]+"
                    + " \\| -?[\\d.]+ / -?[\\d.]+ / -?[\\d.]+ \\| [+-][\\d.]+$");
            assertThat(round.matcher(out.toString()).results().count()).as(out.toString()).isEqualTo(2);
        }
    }

    /**
     * Started as a user starts it (its own process, as it reconfigures logging and starts a whole system): with
     * {@code --emulator} it measures, and its temporary data folder is gone afterwards.
     */
    @Test
    @Timeout(240)
    void startsItsOwnSystemOnTheEmulatorAndLeavesNoDataFolderBehind() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), "io.comfyfleet.cli.Main",
                "overhead", "--emulator", "--pairs", "2", "--rounds", "1", "--warmup", "1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();

        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("one worker idle").containsPattern("(?m)^ +1 \\| .* \\| [+-][\\d.]+$");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith("comfyfleet-overhead"));
        }
    }

    @Test
    void attachingNeedsTheEndpointAndItsComfyUi() {
        StringWriter err = new StringWriter();
        int exit = run(new StringWriter(), err, "overhead", "--url", "http://127.0.0.1:1/v2", "--endpoint", "ep");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--url needs --endpoint and --comfyui-url");
    }

    @Test
    void refusesNoPairs() {
        StringWriter err = new StringWriter();
        assertThat(run(new StringWriter(), err, "overhead", "--pairs", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--pairs and --rounds must be at least 1");
    }

    @Test
    void percentilesAreNearestRank() {
        double[] ms = {5, 1, 4, 2, 3, 6, 7, 8, 9, 10};
        assertThat(OverheadCommand.percentiles(ms)).isEqualTo("5.0 / 9.0 / 10.0");
        assertThat(OverheadCommand.median(ms)).isEqualTo(5.0);
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }
}
