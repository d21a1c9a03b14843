package io.comfyfleet.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.comfyfleet.fleet.scale.EndpointScaling;
import io.comfyfleet.fleet.scale.InvalidScalingException;
import io.comfyfleet.fleet.sim.ColdStartModel;
import io.comfyfleet.fleet.sim.SimResult;
import io.comfyfleet.fleet.sim.SimSettings;
import io.comfyfleet.fleet.sim.Simulator;
import io.comfyfleet.fleet.sim.SvgChart;
import io.comfyfleet.fleet.sim.Sweep;
import io.comfyfleet.fleet.sim.TraceCsv;
import io.comfyfleet.fleet.sim.TraceFormatException;
import io.comfyfleet.fleet.sim.TraceGenerator;
import io.comfyfleet.fleet.sim.TraceJob;
import io.comfyfleet.gateway.config.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code comfyfleet simulate TRACE.csv}: replays a trace through the production autoscaler on a simulated clock and
 * prints the queue waits, GPU-seconds and cold starts (docs/fleet.md, "Simulating the autoscaler").
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Replay a trace of jobs (time,endpoint,execution_seconds,model) through the autoscaler on a"
                + " simulated clock: queue wait p50/p95/p99, GPU-seconds billed, cold starts, and a plot.")
public final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "TRACE.csv", description = "The trace to replay")
    Path trace;
    @Option(names = "--scaler", defaultValue = "QUEUE_DELAY",
            description = "QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or TARGET_WAIT (default ${DEFAULT-VALUE})")
    String scaler;
    @Option(names = "--value", description = "The scaler's value: seconds (QUEUE_DELAY, default 1), jobs per worker"
            + " (REQUEST_COUNT, default 1), wait weight (COLD_START_AWARE, default 4), seconds (TARGET_WAIT, default 20)")
    String value;
    @Option(names = "--idle-timeout", defaultValue = "10m", description = "Default ${DEFAULT-VALUE}")
    String idleTimeout;
    @Option(names = "--min-workers", defaultValue = "0")
    int minWorkers;
    @Option(names = "--max-workers", defaultValue = "8")
    int maxWorkers;
    @Option(names = "--cold-start", defaultValue = "uniform:10.9:14.9", description = "fixed:S, uniform:LOW:HIGH or"
            + " sequence:S1:S2:... seconds from a worker's start to its first job-take (default ${DEFAULT-VALUE}:"
            + " ComfyUI's start on an H100)")
    String coldStart;
    @Option(names = "--first-job-extra", defaultValue = "6.0",
            description = "Seconds added to a worker's first job (its model read from disk; default ${DEFAULT-VALUE})")
    double firstJobExtra;
    @Option(names = "--swap", defaultValue = "0.7",
            description = "Seconds added to a job whose model differs from its worker's last (default ${DEFAULT-VALUE})")
    double swap;
    @Option(names = "--period", defaultValue = "1s", description = "Between autoscaler passes (default ${DEFAULT-VALUE})")
    String period;
    @Option(names = "--seed", defaultValue = "1", description = "For cold-start draws and --generate")
    long seed;
    @Option(names = "--plot", paramLabel = "FILE.svg", description = "Write an SVG of queue, workers and waits")
    Path plot;
    @Option(names = "--sweep", description = "Run every setting of QUEUE_DELAY, REQUEST_COUNT,"
            + " COLD_START_AWARE and TARGET_WAIT, and compare ComfyFleet's two with RunPod's at equal p95 wait")
    boolean sweep;
    @Option(names = "--generate", paramLabel = "SHAPE", description = "Write a trace instead: steady, office or spiky"
            + " (with --seed and --out)")
    String generate;
    @Option(names = "--out", paramLabel = "FILE.csv", description = "Where --generate writes")
    Path out;

    /** The options a sweep sets itself. */
    private static final List<String> SWEEP_IGNORES = List.of("--scaler", "--value", "--idle-timeout",
            "--min-workers", "--plot");

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // a simulated day makes thousands of scaling decisions: only warnings reach the terminal, until it is over
        // (the level is put back, for a process that goes on after this command, such as a test's)
        Logger ours = (Logger) LoggerFactory.getLogger("io.comfyfleet");
        Level before = ours.getLevel();
        ours.setLevel(Level.WARN);
        try {
            if (generate != null) {
                if (out == null) {
                    err.println("--generate needs --out FILE.csv");
                    return 2;
                }
                List<TraceJob> jobs = TraceGenerator.generate(generate, seed);
                TraceCsv.write(out, TraceGenerator.describe(generate, seed), jobs);
                o.printf(Locale.ROOT, "wrote %d jobs to %s%n", jobs.size(), out);
                return 0;
            }
            if (trace == null) {
                err.println("give a trace: comfyfleet simulate TRACE.csv (or --generate SHAPE --out FILE.csv)");
                return 2;
            }
            if (sweep) {
                // the sweep runs every scaler, value and idle timeout itself: an option it would ignore is refused
                List<String> ignored = SWEEP_IGNORES.stream()
                        .filter(name -> spec.commandLine().getParseResult().hasMatchedOption(name)).toList();
                if (!ignored.isEmpty()) {
                    err.println("--sweep tries every scaler, value and idle timeout from --min-workers 0 and draws no"
                            + " plot, so it does not take " + String.join(", ", ignored) + ": drop "
                            + (ignored.size() == 1 ? "it" : "them") + ", or run without --sweep");
                    return 2;
                }
            }
            List<TraceJob> jobs = TraceCsv.read(trace);
            if (maxWorkers == 0 && !jobs.isEmpty()) {
                // comfyfleet.yaml allows it (an endpoint switched off), but no job of the trace would ever run
                err.println("--max-workers: 0 starts no worker, so none of the trace's " + jobs.size()
                        + " jobs would run; give at least 1");
                return 2;
            }
            SimSettings settings = new SimSettings(duration("--period", period), ColdStartModel.parse(coldStart),
                    firstJobExtra, swap, seed);
            if (sweep) {
                return sweep(o, jobs, settings, SimulatedScaling.maxWorkers(maxWorkers));
            }
            SimulatedScaling scaling = SimulatedScaling.of(scaler, value, idleTimeout, minWorkers, maxWorkers);
            String type = scaling.type().name();
            double v = scaling.value();
            List<EndpointScaling> endpoints = jobs.stream().map(TraceJob::endpoint).distinct()
                    .map(scaling::forEndpoint).toList();
            SimResult r = new Simulator(settings).run(jobs, endpoints);
            o.printf(Locale.ROOT, "%s %s, idle timeout %s, workers %d..%d, cold start %s:%n  %s%n", type, v,
                    idleTimeout, minWorkers, maxWorkers, coldStart, r.summary());
            if (plot != null) {
                try {
                    Files.writeString(plot, SvgChart.of(r, trace.getFileName() + ": " + type + " " + v + ", idle "
                            + idleTimeout + " (" + r.summary() + ")"));
                } catch (IOException e) {
                    err.println("cannot write the plot " + plot + ": " + TraceCsv.reason(e));
                    return 2;
                }
                o.println("  plot: " + plot);
            }
            return 0;
        } catch (TraceFormatException | InvalidScalingException | IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (UncheckedIOException e) {
            err.println(e.getMessage()); // a trace that cannot be read or written: its path and why
            return 2;
        } finally {
            ours.setLevel(before);
        }
    }

    private static int sweep(PrintWriter o, List<TraceJob> jobs, SimSettings settings, int maxWorkers) {
        List<Sweep.Row> rows = Sweep.run(jobs, settings, maxWorkers);
        o.println("| setting | wait p50 | p95 | p99 | GPU-seconds | cold starts |");
        o.println("|---|---|---|---|---|---|");
        for (Sweep.Row r : rows) {
            o.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.0f | %d |%n", r.setting(), r.p50(), r.p95(), r.p99(),
                    r.gpuSeconds(), r.coldStarts());
        }
        o.println();
        o.println("| ComfyFleet's scaler | p95 | GPU-s | cheapest baseline with p95 no longer | its p95 | its GPU-s | saved |");
        o.println("|---|---|---|---|---|---|---|");
        for (Sweep.Match m : Sweep.matches(rows)) {
            Sweep.Row a = m.aware();
            o.printf(Locale.ROOT, "| %s | %.1f | %.0f | %s | %s | %s | %s |%n", a.setting(), a.p95(), a.gpuSeconds(),
                    m.baseline().map(Sweep.Row::setting).orElse("none reaches it"),
                    m.baseline().map(b -> String.format(Locale.ROOT, "%.1f", b.p95())).orElse("-"),
                    m.baseline().map(b -> String.format(Locale.ROOT, "%.0f", b.gpuSeconds())).orElse("-"),
                    m.savedPercent().map(p -> String.format(Locale.ROOT, "%.1f%%", p)).orElse("-"));
        }
        return 0;
    }

    private static Duration duration(String option, String text) {
        Duration d = Durations.parse(text);
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(option + " '" + text + "': write it like 500ms, 30s, 10m or 1h");
        }
        return d;
    }
}
