package io.comfyfleet.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a benchmark measured: per job its delay time, execution time (both as the server reports them), the time
 * ComfyUI itself spent (execution_start to execution_success in its history), end-to-end latency (submit to
 * result, as the client saw it) and the difference, the overhead; reduced to throughput and percentiles. May
 * carry the same workflow run straight against ComfyUI (the baseline) and a {@code /status} load phase.
 */
final class BenchReport {
    /**
     * One finished job; {@code outcome} is COMPLETED or the typed failure's name; {@code comfyMs} is -1 when
     * ComfyUI's own time is unknown (a worker that does not report it), and so is any value a path lacks.
     */
    record Sample(String outcome, long delayMs, long executionMs, long comfyMs, long endToEndMs) {
        Sample(String outcome, long delayMs, long executionMs, long endToEndMs) {
            this(outcome, delayMs, executionMs, -1, endToEndMs);
        }

        boolean completed() {
            return outcome.equals("COMPLETED");
        }

        /** End-to-end minus ComfyUI's own time: what everything around ComfyUI added; -1 when unknown. */
        long overheadMs() {
            return comfyMs < 0 ? -1 : endToEndMs - comfyMs;
        }

        /**
         * The overhead without the time the job waited in the queue for a free worker (the delay time): what the
         * gateway, the worker and the client's polling add to one job once a worker is free; -1 when unknown.
         */
        long overheadOutsideQueueMs() {
            return comfyMs < 0 || delayMs < 0 ? -1 : endToEndMs - delayMs - comfyMs;
        }
    }

    private final List<Sample> samples;
    private final long wallMs;
    private final Map<String, Object> settings;
    private final BenchReport baseline;
    private final StatusLoad.Result status;

    BenchReport(List<Sample> samples, long wallMs, Map<String, Object> settings) {
        this(samples, wallMs, settings, null, null);
    }

    /**
     * @param baseline the same workflow run directly against ComfyUI, or null
     * @param status   the {@code /status} load phase, or null
     */
    BenchReport(List<Sample> samples, long wallMs, Map<String, Object> settings, BenchReport baseline,
            StatusLoad.Result status) {
        this.samples = List.copyOf(samples);
        this.wallMs = wallMs;
        this.settings = new TreeMap<>(settings);
        this.baseline = baseline;
        this.status = status;
    }

    long completed() {
        return samples.stream().filter(Sample::completed).count();
    }

    /** Completed jobs per second of wall time. */
    double throughput() {
        return wallMs == 0 ? 0 : completed() * 1000.0 / wallMs;
    }

    /** The nearest-rank percentile of the completed jobs' values; -1 when none completed. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The completed jobs' known (non-negative) values of one metric, sorted. */
    private long[] values(ToLongFunction<Sample> metric) {
        return samples.stream().filter(Sample::completed).mapToLong(metric).filter(v -> v >= 0).sorted().toArray();
    }

    private Map<String, long[]> metrics() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("delay time", values(Sample::delayMs));
        m.put("execution time", values(Sample::executionMs));
        m.put("ComfyUI execution", values(Sample::comfyMs));
        m.put("end-to-end latency", values(Sample::endToEndMs));
        m.put("overhead", values(Sample::overheadMs));
        m.put("overhead outside the queue", values(Sample::overheadOutsideQueueMs));
        return m;
    }

    private Map<String, Long> outcomes() {
        Map<String, Long> counts = new TreeMap<>();
        samples.forEach(s -> counts.merge(s.outcome(), 1L, Long::sum));
        return counts;
    }

    ObjectNode toJson() {
        ObjectNode root = io.comfyfleet.common.json.Json.MAPPER.createObjectNode();
        ObjectNode s = root.putObject("settings");
        settings.forEach((k, v) -> s.put(k, String.valueOf(v)));
        root.put("jobs", samples.size());
        root.put("completed", completed());
        ObjectNode outcomes = root.putObject("outcomes");
        outcomes().forEach(outcomes::put);
        root.put("wallMs", wallMs);
        root.put("throughputPerSecond", Math.round(throughput() * 1000) / 1000.0);
        for (Map.Entry<String, long[]> metric : metrics().entrySet()) {
            long[] v = metric.getValue();
            ObjectNode m = root.putObject(jsonName(metric.getKey()) + "_ms");
            m.put("n", v.length);
            m.put("p50", percentile(v, 50));
            m.put("p95", percentile(v, 95));
            m.put("p99", percentile(v, 99));
            m.put("max", v.length == 0 ? -1 : v[v.length - 1]);
        }
        if (baseline != null) {
            root.set("direct_comfyui", baseline.toJson());
        }
        if (status != null) {
            ObjectNode st = root.putObject("status_load");
            st.put("ok", status.ok());
            st.put("errors", status.errors());
            st.put("wallMs", status.wallMs());
            st.put("requestsPerSecond", Math.round(status.perSecond() * 10) / 10.0);
        }
        return root;
    }

    private static String jsonName(String metric) {
        return metric.toLowerCase(Locale.ROOT).replace(' ', '_').replace("-", "_");
    }

    String toMarkdown() {
        List<String> lines = new ArrayList<>();
        lines.add("| setting | value |");
        lines.add("|---|---|");
        settings.forEach((k, v) -> lines.add("| " + k + " | " + v + " |"));
        lines.add("| jobs (completed) | " + samples.size() + " (" + completed() + ") |");
        if (completed() < samples.size()) {
            lines.add("| outcomes | " + outcomes() + " |");
        }
        lines.add(String.format(Locale.ROOT, "| throughput | %.2f jobs/s over %.1f s |", throughput(), wallMs / 1000.0));
        if (baseline != null) {
            lines.add(String.format(Locale.ROOT, "| throughput, direct ComfyUI | %.2f jobs/s over %.1f s (%d of %d completed) |",
                    baseline.throughput(), baseline.wallMs / 1000.0, baseline.completed(), baseline.samples.size()));
        }
        if (status != null) {
            lines.add(String.format(Locale.ROOT, "| /status load | %.0f requests/s (%d ok, %d errors in %.1f s) |",
                    status.perSecond(), status.ok(), status.errors(), status.wallMs() / 1000.0));
        }
        lines.add("");
        lines.add("| metric (ms) | p50 | p95 | p99 | max |");
        lines.add("|---|---:|---:|---:|---:|");
        metricRows(lines, "");
        if (baseline != null) {
            baseline.metricRows(lines, "direct ComfyUI: ");
        }
        return String.join("\n", lines) + "\n";
    }

    private void metricRows(List<String> lines, String prefix) {
        for (Map.Entry<String, long[]> metric : metrics().entrySet()) {
            long[] v = metric.getValue();
            if (v.length == 0 && !prefix.isEmpty()) {
                continue; // the baseline has no delay or server-side execution time
            }
            lines.add("| " + prefix + metric.getKey() + " | " + percentile(v, 50) + " | " + percentile(v, 95) + " | "
                    + percentile(v, 99) + " | " + (v.length == 0 ? -1 : v[v.length - 1]) + " |");
        }
    }

    @Override
    public String toString() {
        return "BenchReport" + Arrays.asList(samples.size(), completed(), wallMs);
    }
}
