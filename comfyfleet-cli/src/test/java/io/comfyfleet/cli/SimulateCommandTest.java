package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
    void generatesTheSameTraceForTheSameSeed(@TempDir Path dir) throws Exception {
        assertThat(run("simulate", "--generate", "spiky", "--seed", "3", "--out", dir.resolve("a.csv").toString()))
                .isZero();
        assertThat(run("simulate", "--generate", "spiky", "--seed", "3", "--out", dir.resolve("b.csv").toString()))
                .isZero();
        assertThat(Files.readString(dir.resolve("a.csv"))).isEqualTo(Files.readString(dir.resolve("b.csv")));
    }
}
