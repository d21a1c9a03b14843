package io.comfyfleet.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cases of comfyfleet-core's HumanDurationTest: the SDK's messages read as the command line's. */
class HumanDurationTest {
    @Test
    void usesTheLargestUnitAndOneSmallerWhenItIsNotZero() {
        assertThat(HumanDuration.of(Duration.ZERO)).isEqualTo("0 ms");
        assertThat(HumanDuration.of(Duration.ofMillis(350))).isEqualTo("350 ms");
        assertThat(HumanDuration.of(Duration.ofMillis(999))).isEqualTo("999 ms");
        assertThat(HumanDuration.of(Duration.ofMillis(1000))).isEqualTo("1.0 s");
        assertThat(HumanDuration.of(Duration.ofMillis(1249))).isEqualTo("1.2 s");
        assertThat(HumanDuration.of(Duration.ofMillis(1250))).isEqualTo("1.3 s");
        assertThat(HumanDuration.of(Duration.ofMillis(59_940))).isEqualTo("59.9 s");
        assertThat(HumanDuration.of(Duration.ofMillis(59_960))).isEqualTo("1 min");
        assertThat(HumanDuration.of(Duration.ofSeconds(184))).isEqualTo("3 min 4 s");
        assertThat(HumanDuration.of(Duration.ofMinutes(10))).isEqualTo("10 min");
        assertThat(HumanDuration.of(Duration.ofMinutes(125))).isEqualTo("2 h 5 min");
        assertThat(HumanDuration.of(Duration.ofHours(24))).isEqualTo("1 d");
        assertThat(HumanDuration.of(Duration.ofHours(76).plusMinutes(59))).isEqualTo("3 d 4 h");
        assertThat(HumanDuration.of(Duration.ofMillis(-5))).isEqualTo("0 ms");
    }
}
