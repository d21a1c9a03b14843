package io.comfyfleet.fleet.sim;

import io.comfyfleet.fleet.scale.EndpointScaling;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs one trace under many scaling settings and finds, for each setting of ComfyFleet's own scalers
 * (COLD_START_AWARE, TARGET_WAIT), the cheapest RunPod scaler setting (QUEUE_DELAY or REQUEST_COUNT) whose p95 wait is
 * no worse: "the same p95 for fewer GPU-seconds".
 */
public final class Sweep {
    // The baselines' grid is fine-grained on purpose: a coarse one leaves gaps in their frontier (the cheapest
    // setting at each p95) that a scaler compared against it would be credited for
    static final List<Double> QUEUE_DELAYS = List.of(1.0, 2.0, 4.0, 8.0, 16.0, 32.0);
    static final List<Double> REQUEST_COUNTS = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
    static final List<Integer> IDLE_TIMEOUTS = List.of(5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600);
    static final List<Double> WAIT_WEIGHTS = List.of(0.5, 1.0, 2.0, 4.0, 8.0, 16.0);
    static final List<Double> TARGET_WAITS = List.of(2.0, 5.0, 10.0, 15.0, 18.0, 20.0, 22.0, 25.0, 30.0);
    /** ComfyFleet's scalers' idle timeout: only a bound, their forecast decides. */
    static final int AWARE_IDLE_TIMEOUT = 600;

    /** One setting's outcome. */
    public record Row(String scaler, double value, int idleTimeout, double p50, double p95, double p99,
            double gpuSeconds, int coldStarts) {
        boolean baseline() {
            return scaler.equals("QUEUE_DELAY") || scaler.equals("REQUEST_COUNT");
        }

        public String setting() {
            return String.format(Locale.ROOT, "%s %s, idle %d s", scaler,
                    value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value), idleTimeout);
        }
    }

    /** A row of ComfyFleet's scalers and the cheapest baseline that waits no longer at p95, if any does. */
    public record Match(Row aware, Optional<Row> baseline) {
        /** GPU-seconds saved against the baseline, in percent. */
        public Optional<Double> savedPercent() {
            return baseline.map(b -> 100 * (1 - aware.gpuSeconds() / b.gpuSeconds()));
        }
    }

    private Sweep() {}

    /** Every setting of the grid on the trace; the endpoint is the trace's (one endpoint per trace). */
    public static List<Row> run(List<TraceJob> trace, SimSettings settings, int maxWorkers) {
        String endpoint = trace.isEmpty() ? "ep" : trace.getFirst().endpoint();
        record Setting(String scaler, double value, int idle) {}
        List<Setting> grid = new ArrayList<>();
        for (int idle : IDLE_TIMEOUTS) {
            QUEUE_DELAYS.forEach(v -> grid.add(new Setting("QUEUE_DELAY", v, idle)));
            REQUEST_COUNTS.forEach(v -> grid.add(new Setting("REQUEST_COUNT", v, idle)));
        }
        WAIT_WEIGHTS.forEach(v -> grid.add(new Setting("COLD_START_AWARE", v, AWARE_IDLE_TIMEOUT)));
        TARGET_WAITS.forEach(v -> grid.add(new Setting("TARGET_WAIT", v, AWARE_IDLE_TIMEOUT)));
        // each run has its own clock, fleet and autoscaler: they can run side by side
        List<Row> rows = grid.parallelStream()
                .map(g -> one(trace, settings, endpoint, maxWorkers, g.scaler(), g.value(), g.idle())).toList();
        return rows;
    }

    static Row one(List<TraceJob> trace, SimSettings settings, String endpoint, int maxWorkers, String scaler,
            double value, int idle) {
        SimResult r = new Simulator(settings).run(trace,
                List.of(EndpointScaling.of(endpoint, 0, maxWorkers, Duration.ofSeconds(idle), scaler, value)));
        return new Row(scaler, value, idle, r.waitPercentile(50), r.waitPercentile(95), r.waitPercentile(99),
                r.gpuSeconds(), r.coldStarts());
    }

    /** For each row of ComfyFleet's scalers, the cheapest baseline row with a p95 wait no longer than its own. */
    public static List<Match> matches(List<Row> rows) {
        List<Match> out = new ArrayList<>();
        for (Row aware : rows.stream().filter(r -> !r.baseline()).toList()) {
            Optional<Row> best = rows.stream().filter(Row::baseline).filter(b -> b.p95() <= aware.p95())
                    .min(Comparator.comparingDouble(Row::gpuSeconds));
            out.add(new Match(aware, best));
        }
        return out;
    }
}
