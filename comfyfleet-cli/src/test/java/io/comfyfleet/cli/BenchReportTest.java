package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class BenchReportTest {
    @Test
    void nearestRankPercentiles() {
        long[] hundred = new long[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        assertThat(BenchReport.percentile(hundred, 50)).isEqualTo(50);
        assertThat(BenchReport.percentile(hundred, 95)).isEqualTo(95);
        assertThat(BenchReport.percentile(hundred, 99)).isEqualTo(99);
        assertThat(BenchReport.percentile(new long[] {7}, 99)).isEqualTo(7);
        assertThat(BenchReport.percentile(new long[0], 50)).isEqualTo(-1);
    }

    @Test
    void overheadIsEndToEndMinusComfyUiTimeWhereKnown() {
        List<BenchReport.Sample> samples = List.of(new BenchReport.Sample("COMPLETED", 1, 5, 4, 12),
                new BenchReport.Sample("COMPLETED", 1, 5, 2, 30), new BenchReport.Sample("COMPLETED", 1, 5, -1, 99));
        BenchReport direct = new BenchReport(List.of(new BenchReport.Sample("COMPLETED", -1, -1, 3, 5)), 100, Map.of());
        BenchReport report = new BenchReport(samples, 1000, Map.of(), direct, new StatusLoad.Result(6000, 2, 1000));

        JsonNode json = report.toJson();
        assertThat(json.path("overhead_ms").path("n").asInt()).isEqualTo(2);
        assertThat(json.path("overhead_ms").path("p50").asLong()).isEqualTo(8);
        assertThat(json.path("overhead_ms").path("max").asLong()).isEqualTo(28);
        assertThat(json.path("overhead_outside_the_queue_ms").path("max").asLong()).isEqualTo(27);
        assertThat(json.path("direct_comfyui").path("overhead_ms").path("p50").asLong()).isEqualTo(2);
        assertThat(json.path("direct_comfyui").path("overhead_outside_the_queue_ms").path("n").asInt()).isZero();
        assertThat(json.path("status_load").path("requestsPerSecond").asDouble()).isEqualTo(6000.0);
        assertThat(report.toMarkdown()).contains("| overhead | 8 | 28 | 28 | 28 |",
                "| direct ComfyUI: overhead | 2 | 2 | 2 | 2 |", "| /status load | 6000 requests/s (6000 ok, 2 errors");
    }

    @Test
    void failuresCountAsJobsButNotInLatencyOrThroughput() {
        List<BenchReport.Sample> samples = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            samples.add(new BenchReport.Sample("COMPLETED", i, 10 * i, 11 * i));
        }
        samples.add(new BenchReport.Sample("JobFailedException", -1, -1, 5));
        BenchReport report = new BenchReport(samples, 2000, Map.of("clients", 2));

        JsonNode json = report.toJson();
        assertThat(json.path("jobs").asInt()).isEqualTo(11);
        assertThat(json.path("completed").asInt()).isEqualTo(10);
        assertThat(json.path("outcomes").path("JobFailedException").asInt()).isEqualTo(1);
        assertThat(json.path("throughputPerSecond").asDouble()).isEqualTo(5.0);
        assertThat(json.path("end_to_end_latency_ms").path("p50").asLong()).isEqualTo(55);
        assertThat(json.path("delay_time_ms").path("p99").asLong()).isEqualTo(10);
        assertThat(report.toMarkdown()).contains("| execution time | 50 | 100 | 100 | 100 |", "5.00 jobs/s");
    }
}
