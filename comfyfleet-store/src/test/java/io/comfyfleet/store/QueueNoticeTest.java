package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueueNoticeTest {

    @Test
    void oneJobIsSentInTheFormEveryGatewayReads() {
        assertThat(new QueueNotice("g1", "flux", 1).payload()).isEqualTo("g1:flux");
        assertThat(QueueNotice.parse("g1:flux")).isEqualTo(new QueueNotice("g1", "flux", 1));
    }

    @Test
    void severalJobsCarryTheirCountBesideTheOrigin() {
        assertThat(new QueueNotice("g1", "flux", 12).payload()).isEqualTo("g1#12:flux");
        assertThat(QueueNotice.parse("g1#12:flux")).isEqualTo(new QueueNotice("g1", "flux", 12));
    }

    @Test
    void theEndpointIsEverythingAfterTheFirstColon() {
        assertThat(QueueNotice.parse("g1#2:a:b")).isEqualTo(new QueueNotice("g1", "a:b", 2));
    }

    @Test
    void aHugeCountWakesNoMoreThanTheCap() {
        assertThat(QueueNotice.parse("g1#2000000000:flux").jobs()).isEqualTo(QueueNotice.MAX_JOBS);
    }

    @Test
    void whatIsNotANoticeIsPassedOver() {
        assertThat(QueueNotice.parse("no colon here")).isNull();
        assertThat(QueueNotice.parse("g1#:flux")).isNull();
        assertThat(QueueNotice.parse("g1#two:flux")).isNull();
        assertThat(QueueNotice.parse("g1#0:flux")).isNull();
        assertThat(QueueNotice.parse("g1#-3:flux")).isNull();
        assertThat(QueueNotice.parse("g1#99999999999:flux")).isNull();
    }

    @Test
    void aNoticeMustBeShorterThanPostgresqlsPayloadLimit() {
        assertThat(new QueueNotice("g1", "flux", Integer.MAX_VALUE).fits()).isTrue();
        // "g1:" and the name: 8,000 bytes is one too many
        assertThat(new QueueNotice("g1", "e".repeat(7_997), 1).fits()).isFalse();
        assertThat(new QueueNotice("g1", "e".repeat(7_996), 1).fits()).isTrue();
    }

    @Test
    void aNoticeIsForAtLeastOneJob() {
        assertThatThrownBy(() -> new QueueNotice("g1", "flux", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
