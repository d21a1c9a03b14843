package io.comfyfleet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HumanDurationTest {
    @Test
    void usesTheLargestUnitAndOneSmallerWhenItIsNotZero() {
        assertThat(HumanDuration.millis(0)).isEqualTo("0 ms");
        assertThat(HumanDuration.millis(350)).isEqualTo("350 ms");
        assertThat(HumanDuration.millis(999)).isEqualTo("999 ms");
        assertThat(HumanDuration.millis(1000)).isEqualTo("1.0 s");
        assertThat(HumanDuration.millis(1249)).isEqualTo("1.2 s");
        assertThat(HumanDuration.millis(1250)).isEqualTo("1.3 s");
        assertThat(HumanDuration.millis(59_940)).isEqualTo("59.9 s");
        assertThat(HumanDuration.millis(59_960)).as("rounds up into minutes, never 60.0 s").isEqualTo("1 min");
        assertThat(HumanDuration.of(Duration.ofSeconds(184))).isEqualTo("3 min 4 s");
        assertThat(HumanDuration.of(Duration.ofMinutes(10))).isEqualTo("10 min");
        assertThat(HumanDuration.of(Duration.ofMinutes(125))).isEqualTo("2 h 5 min");
        assertThat(HumanDuration.of(Duration.ofHours(24))).isEqualTo("1 d");
        assertThat(HumanDuration.of(Duration.ofHours(76).plusMinutes(59))).isEqualTo("3 d 4 h");
    }

    @Test
    void readsANegativeDurationAsZero() {
        assertThat(HumanDuration.millis(-5)).isEqualTo("0 ms");
    }
}
