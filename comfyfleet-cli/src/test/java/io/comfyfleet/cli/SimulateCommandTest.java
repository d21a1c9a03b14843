package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.comfyfleet.gateway.config.ConfigException;
import io.comfyfleet.gateway.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

class SimulateCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void replaysATraceAndWritesThePlot(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "time,endpoint,execution_seconds,model\n0,ep,5,m\n");
        Path plot = dir.resolve("p.svg");

        int code = run("simulate", trace.toString(), "--cold-start", "fixed:10", "--first-job-extra", "0",
                "--idle-timeout", "10s", "--plot", plot.toString());

        assertThat(code).isZero();
        assertThat(out.toString()).contains("wait p50 10.0 s p95 10.0 s p99 10.0 s", "GPU-seconds 26", "cold starts 1");
        assertThat(Files.readString(plot)).startsWith("<svg").contains("<polyline");
    }

    @Test
    void theLogLevelItQuietsIsPutBackAfterwards(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "time,endpoint,execution_seconds,model\n0,ep,5,m\n");
        Logger ours = (Logger) LoggerFactory.getLogger("io.comfyfleet");
        Level before = ours.getLevel();

        assertThat(run("simulate", trace.toString())).isZero();

        // a process that goes on after the command (up's tests in the same JVM) still logs its workers' output
        assertThat(ours.getLevel()).isEqualTo(before);
        assertThat(LoggerFactory.getLogger("io.comfyfleet.fleet.worker-output").isInfoEnabled()).isTrue();
    }

    @Test
    void aBadTraceLineIsExitCode2WithTheLineAndWhatToChange(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("bad.csv");
        Files.writeString(trace, "time,endpoint,execution_seconds,model\n0,ep,five,m\n");

        assertThat(run("simulate", trace.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("bad.csv line 2: execution_seconds 'five' is not a number");
    }

    @Test
    void noWorkersAtAllIsExitCode2SayingNoJobWouldRunNotAStackTrace(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "time,endpoint,execution_seconds,model\n0,ep,5,m\n");

        for (String sweep : new String[] {"", " --sweep"}) {
            err.getBuffer().setLength(0);

            assertThat(run(("simulate " + trace + " --max-workers 0" + sweep).split(" "))).as(sweep).isEqualTo(2);
            assertThat(err.toString().strip()).as(sweep).isEqualTo(
                    "--max-workers: 0 starts no worker, so none of the trace's 1 jobs would run; give at least 1");
        }
    }

    @Test
    void aBinaryTraceIsExitCode2NamingTheFile(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("image.csv");
        Files.write(trace, new byte[] {(byte) 0x89, 'P', 'N', 'G', (byte) 0xc3, (byte) 0x28});

        assertThat(run("simulate", trace.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("image.csv line 1: is not UTF-8 text").doesNotContain("Exception");
    }

    @Test
    void aFileThatCannotBeReadOrWrittenIsOneLineWithExitCode2(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "time,endpoint,execution_seconds,model\n0,ep,5,m\n");
        String[][] cases = {
                {"simulate " + dir.resolve("missing.csv"), "cannot read trace " + dir.resolve("missing.csv")
                        + ": no such file or folder"},
                {"simulate " + dir, "cannot read trace " + dir + ": Is a directory"},
                {"simulate --generate spiky --out " + dir.resolve("no/such/t.csv"), "cannot write trace "
                        + dir.resolve("no/such/t.csv") + ": no such file or folder"},
                {"simulate " + trace + " --plot " + dir.resolve("no/such/p.svg"), "cannot write the plot "
                        + dir.resolve("no/such/p.svg") + ": no such file or folder"},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);

            assertThat(run(c[0].split(" "))).as(c[0]).isEqualTo(2);
            assertThat(err.toString().strip()).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void aSweepRefusesTheOptionsItWouldIgnore(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "time,endpoint,execution_seconds,model\n0,ep,5,m\n");

        int code = run(("simulate " + trace + " --sweep --scaler REQUEST_COUNT --plot " + dir.resolve("p.svg")).split(" "));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("--sweep tries every scaler, value and idle timeout from"
                + " --min-workers 0 and draws no plot, so it does not take --scaler, --plot: drop them, or run without"
                + " --sweep");
        assertThat(out.toString()).isEmpty();
        assertThat(dir.resolve("p.svg")).doesNotExist();
    }

    @Test
    void generatesTheSameTraceForTheSameSeed(@TempDir Path dir) throws Exception {
        assertThat(run("simulate", "--generate", "spiky", "--seed", "3", "--out", dir.resolve("a.csv").toString()))
                .isZero();
        assertThat(run("simulate", "--generate", "spiky", "--seed", "3", "--out", dir.resolve("b.csv").toString()))
                .isZero();
        assertThat(Files.readString(dir.resolve("a.csv"))).isEqualTo(Files.readString(dir.resolve("b.csv")));
    }

    /**
     * A setting simulated is one {@code comfyfleet up} would run: each row is simulate's options and the same setting
     * in comfyfleet.yaml, on and just past every bound, and both must accept it or both refuse it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--value 0.4                               | scaler: {type: QUEUE_DELAY, value: 0.4}",
            "--value 0.5                               | scaler: {type: QUEUE_DELAY, value: 0.5}",
            "--value 3600                              | scaler: {type: QUEUE_DELAY, value: 3600}",
            "--value 3601                              | scaler: {type: QUEUE_DELAY, value: 3601}",
            "--scaler REQUEST_COUNT --value 1.5        | scaler: {type: REQUEST_COUNT, value: 1.5}",
            "--scaler REQUEST_COUNT --value 1000000    | scaler: {type: REQUEST_COUNT, value: 1000000}",
            "--scaler REQUEST_COUNT --value 1000001    | scaler: {type: REQUEST_COUNT, value: 1000001}",
            "--scaler COLD_START_AWARE --value 0       | scaler: {type: COLD_START_AWARE, value: 0}",
            "--scaler COLD_START_AWARE --value 1000    | scaler: {type: COLD_START_AWARE, value: 1000}",
            "--scaler COLD_START_AWARE --value 1001    | scaler: {type: COLD_START_AWARE, value: 1001}",
            "--scaler TARGET_WAIT --value 0.5          | scaler: {type: TARGET_WAIT, value: 0.5}",
            "--scaler TARGET_WAIT --value 1            | scaler: {type: TARGET_WAIT, value: 1}",
            "--scaler TARGET_WAIT --value 3600         | scaler: {type: TARGET_WAIT, value: 3600}",
            "--scaler TARGET_WAIT --value 3601         | scaler: {type: TARGET_WAIT, value: 3601}",
            "--scaler target_wait                      | scaler: {type: target_wait}",
            "--idle-timeout 0s                         | idleTimeout: 0s",
            "--idle-timeout 1s                         | idleTimeout: 1s",
            "--idle-timeout 1h                         | idleTimeout: 1h",
            "--idle-timeout 61m                        | idleTimeout: 61m",
            "--max-workers 10000                       | maxWorkers: 10000",
            "--max-workers 10001                       | maxWorkers: 10001",
            "--min-workers -1                          | minWorkers: -1",
            "--min-workers 3 --max-workers 2           | minWorkers: 3, maxWorkers: 2",
    })
    void refusesExactlyWhatComfyfleetYamlRefuses(String options, String yaml, @TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "time,endpoint,execution_seconds,model\n0,ep,5,m\n");
        boolean upRefuses;
        try {
            new ConfigLoader(name -> null).parse("""
                    endpoints:
                      - {name: ep, clientKeys: [client-key-0123456789], workerKeys: [worker-key-0123456789], %s}
                    """.formatted(yaml), "comfyfleet.yaml", dir);
            upRefuses = false;
        } catch (ConfigException e) {
            upRefuses = true;
        }
        String[] args = ("simulate " + trace + " --cold-start fixed:10 " + options.strip()).split(" ");

        assertThat(run(args)).as(err.toString()).isEqualTo(upRefuses ? 2 : 0);
    }

    @Test
    void aRefusedSettingNamesTheOptionWhatItMayBeAndTheValueAsTyped(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "time,endpoint,execution_seconds,model\n0,ep,5,m\n");
        String[][] cases = {
                {"--scaler TARGET_WAIT --value 0.5", "--value: for TARGET_WAIT must be from 1 to 3600 (seconds a job"
                        + " should wait in the queue at most), got 0.5"},
                {"--scaler COLD_START_AWARE --value 0", "--value: for COLD_START_AWARE must be a wait weight above 0"
                        + " and at most 1000 (GPU-seconds one second of a job's wait is worth), got 0"},
                {"--scaler REQUEST_COUNT --value 2.50", "--value: for REQUEST_COUNT must be a whole number from 1 to"
                        + " 1000000 (jobs per worker), got 2.50"},
                {"--value soon", "--value: must be a number, got soon"},
                {"--scaler FAST", "--scaler: must be QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or TARGET_WAIT,"
                        + " got FAST"},
                {"--idle-timeout 0s", "--idle-timeout: must be from 1s to 1h, got 0s"},
                {"--max-workers 10001", "--max-workers: must be from 0 to 10000, got 10001"},
                {"--min-workers 3 --max-workers 2", "--max-workers: must be at least --min-workers (3), got 2"},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);

            assertThat(run(("simulate " + trace + " " + c[0]).split(" "))).as(c[0]).isEqualTo(2);
            assertThat(err.toString().strip()).as(c[0]).isEqualTo(c[1]);
        }
    }
}
