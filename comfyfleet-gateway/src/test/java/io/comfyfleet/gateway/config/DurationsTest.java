package io.comfyfleet.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one duration grammar: every unit, days included, and null for anything else. */
class DurationsTest {

    @Test
    void everyUnitParses() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse(" 10 m ")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void anythingElseIsNull() {
        assertThat(Durations.parse("PT1H")).isNull();
        assertThat(Durations.parse("1.5h")).isNull();
        assertThat(Durations.parse("10")).isNull();
        assertThat(Durations.parse(null)).isNull();
    }
}
