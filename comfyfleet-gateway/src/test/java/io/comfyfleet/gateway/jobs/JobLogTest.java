package io.comfyfleet.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one line the terminal of {@code comfyfleet up} shows for a failed job: its error's first line, cut short. */
class JobLogTest {
    @Test
    void anErrorIsShownByItsFirstLineAndCutWhenLong() {
        assertThat(JobLog.firstLine("node 3 (KSampler): out of memory\nTraceback (most recent call last):\n  File x"))
                .isEqualTo("node 3 (KSampler): out of memory");
        assertThat(JobLog.firstLine("x".repeat(1000))).hasSize(JobLog.MAX_ERROR + "... (comfyfleet status ID shows all)".length())
                .endsWith("comfyfleet status ID shows all)");
        assertThat(JobLog.firstLine(null)).isEqualTo("(no error text)");
    }

    @Test
    void durationsReadAsTheCommandLineReadsThem() {
        assertThat(JobLog.seconds(Duration.ofMillis(2740))).isEqualTo("2.7 s");
        assertThat(JobLog.seconds(Duration.ofSeconds(95))).isEqualTo("1 min 35 s");
    }
}
