package io.comfyfleet.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.sdk.Health;
import io.comfyfleet.sdk.JobState;
import io.comfyfleet.sdk.JobStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The words {@code submit --wait} shows while a job waits, and the durations its options take. */
class WaitingLineTest {
    private static final Duration SHORT = Duration.ofSeconds(5);

    private static JobStatus status(JobState state, String worker) {
        return new JobStatus("job-1", state, 0, 0, null, null, worker);
    }

    private static Health health(long queued, long idle, long running, long initializing) {
        return new Health(queued, 0, 0, 0, 0, idle, running, idle, initializing, 0, null);
    }

    @Test
    void aQueuedJobSaysWhatItWaitsFor() {
        assertThat(WaitingLine.describe(status(JobState.IN_QUEUE, null), health(1, 0, 0, 1), SHORT))
                .isEqualTo("queued: starting a worker (1 starting)");
        assertThat(WaitingLine.describe(status(JobState.IN_QUEUE, null), health(1, 0, 0, 0), SHORT))
                .isEqualTo("queued: no worker yet (one starts soon)");
        assertThat(WaitingLine.describe(status(JobState.IN_QUEUE, null), health(3, 0, 2, 0), SHORT))
                .isEqualTo("queued: 2 worker(s) busy, 2 other job(s) queued");
        assertThat(WaitingLine.describe(status(JobState.IN_PROGRESS, "w1"), health(0, 0, 1, 0), SHORT))
                .isEqualTo("running on worker w1, no progress yet");
    }

    @Test
    void aJobThatWaitedAMinuteWithNoWorkerUpSaysWhereToLookInsteadOfPromisingOne() {
        // workers that crash before they are ready (a Python without ComfyUI's requirements) come and go; up's
        // terminal names the reason, and "one starts soon" would go on being shown for ever
        Duration minute = Duration.ofSeconds(60);
        assertThat(WaitingLine.describe(status(JobState.IN_QUEUE, null), health(1, 0, 0, 0), minute))
                .isEqualTo("queued: no worker ready in 1 min: up's terminal says why");
        assertThat(WaitingLine.describe(status(JobState.IN_QUEUE, null), health(1, 0, 0, 1), minute))
                .isEqualTo("queued: no worker ready in 1 min (1 starting): up's terminal says why");
        assertThat(WaitingLine.describe(status(JobState.IN_QUEUE, null), health(3, 0, 2, 0), minute))
                .as("busy workers are up: the job waits its turn").isEqualTo("queued: 2 worker(s) busy, 2 other job(s) queued");
    }

    @Test
    void aJobThatWaitedAMinuteSaysWhyTheLastWorkerGaveUpWhenTheGatewayHeardIt() {
        Health withFailure = new Health(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, tools.jackson.databind.json.JsonMapper.shared()
                .readTree("{\"lastWorkerFailure\":{\"workerId\":\"sdxl-1\",\"check\":\"comfyui_start\","
                        + "\"reason\":\"ComfyUI did not start: No module named 'PIL'\",\"at\":\"2026-12-07T21:00:00Z\"}}"));
        assertThat(WaitingLine.describe(status(JobState.IN_QUEUE, null), withFailure, Duration.ofSeconds(60)))
                .isEqualTo("queued: no worker ready in 1 min (1 starting); the last worker gave up: ComfyUI did not"
                        + " start: No module named 'PIL'");
        assertThat(WaitingLine.describe(status(JobState.IN_QUEUE, null), withFailure, SHORT))
                .as("before a minute, starting workers are not doubted").isEqualTo("queued: starting a worker (1 starting)");
    }

    @Test
    void theFinalLineIsAFullBarWithStateAndTimes() {
        assertThat(ProgressLine.done("COMPLETED", 1234, 56))
                .isEqualTo("[####################] 100% COMPLETED  delay 1.2 s, execution 56 ms");
        assertThat(ProgressLine.done("FAILED", 184_000, 61_000))
                .isEqualTo("[####################] 100% FAILED  delay 3 min 4 s, execution 1 min 1 s");
    }

    @Test
    void theWaitCountsWholeSecondsThenMinutes() {
        assertThat(WaitingLine.soFar(java.time.Duration.ofMillis(12_900))).isEqualTo("12 s");
        assertThat(WaitingLine.soFar(java.time.Duration.ofSeconds(65))).isEqualTo("1 min 5 s");
    }

    @Test
    void durationsAreWrittenAsInTheConfigurationFileOrIso() {
        DurationConverter c = new DurationConverter();

        assertThat(c.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.convert("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(c.convert("PT2H")).isEqualTo(Duration.ofHours(2));
        assertThatThrownBy(() -> c.convert("soon")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("30s");
    }
}
