package io.comfyfleet.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a benchmark measured: per job its delay time, execution time (both as the server reports them) and
 * end-to-end latency (submit to result, as the client saw it), reduced to throughput and percentiles.
 */
final class BenchReport {
    /** One finished job; {@code outcome} is COMPLETED or the typed failure's name. */
    record Sample(String outcome, long delayMs, long executionMs, long endToEndMs) {}

    private final List<Sample> samples;
    private final long wallMs;
    private final Map<String, Object> settings;

    BenchReport(List<Sample> samples, long wallMs, Map<String, Object> settings) {
        this.samples = List.copyOf(samples);
        this.wallMs = wallMs;
        this.settings = new TreeMap<>(settings);
    }

    long completed() {
        return samples.stream().filter(s -> s.outcome().equals("COMPLETED")).count();
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

    private long[] values(java.util.function.ToLongFunction<Sample> metric) {
        return samples.stream().filter(s -> s.outcome().equals("COMPLETED")).mapToLong(metric).sorted().toArray();
    }

    private Map<String, long[]> metrics() {
        Map<String, long[]> m = new java.util.LinkedHashMap<>();
        m.put("delay time", values(Sample::delayMs));
        m.put("execution time", values(Sample::executionMs));
        m.put("end-to-end latency", values(Sample::endToEndMs));
        return m;
    }

    private Map<String, Long> outcomes() {
        Map<String, Long> counts = new TreeMap<>();
        samples.forEach(s -> counts.merge(s.outcome(), 1L, Long::sum));
        return counts;
    }

    ObjectNode toJson() {
        ObjectNode root = io.comfyfleet.comfy.Json.MAPPER.createObjectNode();
        ObjectNode s = root.putObject("settings");
        settings.forEach((k, v) -> s.put(k, String.valueOf(v)));
        root.put("jobs", samples.size());
        root.put("completed", completed());
        ObjectNode outcomes = root.putObject("outcomes");
        outcomes().forEach(outcomes::put);
        root.put("wallMs", wallMs);
        root.put("throughputPerSecond", Math.round(throughput() * 1000) / 1000.0);
        for (Map.Entry<String, long[]> metric : metrics().entrySet()) {
            ObjectNode m = root.putObject(metric.getKey().replace(' ', '_').replace("-", "_") + "_ms");
            m.put("p50", percentile(metric.getValue(), 50));
            m.put("p95", percentile(metric.getValue(), 95));
            m.put("p99", percentile(metric.getValue(), 99));
            m.put("max", metric.getValue().length == 0 ? -1 : metric.getValue()[metric.getValue().length - 1]);
        }
        return root;
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
        lines.add("");
        lines.add("| metric (ms) | p50 | p95 | p99 | max |");
        lines.add("|---|---:|---:|---:|---:|");
        for (Map.Entry<String, long[]> metric : metrics().entrySet()) {
            long[] v = metric.getValue();
            lines.add("| " + metric.getKey() + " | " + percentile(v, 50) + " | " + percentile(v, 95) + " | "
                    + percentile(v, 99) + " | " + (v.length == 0 ? -1 : v[v.length - 1]) + " |");
        }
        return String.join("\n", lines) + "\n";
    }

    @Override
    public String toString() {
        return "BenchReport" + Arrays.asList(samples.size(), completed(), wallMs);
    }
}
