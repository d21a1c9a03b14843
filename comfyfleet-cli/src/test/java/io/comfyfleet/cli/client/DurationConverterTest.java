package io.comfyfleet.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
    private final DurationConverter converter = new DurationConverter();

    @Test
    void theOptionsReadTheConfigurationsGrammarDaysIncluded() {
        assertThat(converter.convert("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(converter.convert("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void isoDurationsStillWork() {
        assertThat(converter.convert("PT1H")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void anythingElseIsRefusedWithTheGrammar() {
        assertThatThrownBy(() -> converter.convert("soon"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("'soon' is not a duration; write it like 500ms, 30s, 10m, 24h or 7d");
    }
}
