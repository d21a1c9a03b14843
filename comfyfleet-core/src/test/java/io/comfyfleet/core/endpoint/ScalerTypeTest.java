package io.comfyfleet.core.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ScalerTypeTest {

    /** Each type's bounds, as its refusal states them, and the nearest values past them. */
    @ParameterizedTest
    @CsvSource({
            "QUEUE_DELAY,      0.5,    3600,    0.49, 3600.01, from 0.5 to 3600",
            "REQUEST_COUNT,    1,      1000000, 0,    1000001, a whole number from 1 to 1000000",
            "COLD_START_AWARE, 0.0001, 1000,    0,    1000.01, above 0 and at most 1000",
            "TARGET_WAIT,      1,      3600,    0.99, 3600.01, from 1 to 3600",
    })
    void acceptsWhatItsRefusalSaysAndNothingElse(ScalerType type, double lowest, double highest, double below,
            double above, String stated) {
        assertThat(type.accepts(lowest)).isTrue();
        assertThat(type.accepts(highest)).isTrue();
        assertThat(type.accepts(below)).isFalse();
        assertThat(type.accepts(above)).isFalse();
        assertThat(type.accepts(Double.NaN)).isFalse();
        assertThat(type.refusal("x")).contains(stated);
    }

    @Test
    void aRequestCountIsAWholeNumber() {
        assertThat(ScalerType.REQUEST_COUNT.accepts(1.5)).isFalse();
    }

    /** The admin API checks only a value sent: the default a type change brings must pass. */
    @ParameterizedTest
    @EnumSource(ScalerType.class)
    void everyDefaultIsAccepted(ScalerType type) {
        assertThat(type.accepts(type.defaultValue())).isTrue();
    }

    @Test
    void aRefusalNamesTheTypeAndEchoesTheValueAsWritten() {
        assertThat(ScalerType.TARGET_WAIT.refusal("0")).isEqualTo(
                "for TARGET_WAIT must be from 1 to 3600 (seconds a job should wait in the queue at most), got 0");
    }

    @Test
    void onlyTheExactNameNamesAType() {
        assertThat(ScalerType.named("TARGET_WAIT")).isEqualTo(ScalerType.TARGET_WAIT);
        assertThat(ScalerType.named("target_wait")).isNull();
        assertThat(ScalerType.named(null)).isNull();
    }
}
