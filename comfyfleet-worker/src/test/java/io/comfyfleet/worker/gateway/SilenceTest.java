package io.comfyfleet.worker.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SilenceTest {
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final Silence silence = new Silence(nanos::get);

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void countsFromTheFirstUnansweredCallUntilAnAnswer() {
        advance(Duration.ofMinutes(10));
        assertThat(silence.silentFor()).as("asked nothing yet: a slow start is not silence").isZero();

        silence.unanswered();
        advance(Duration.ofSeconds(30));
        silence.unanswered();
        advance(Duration.ofSeconds(30));
        assertThat(silence.silentFor()).isEqualTo(Duration.ofMinutes(1));

        silence.heard(401); // refused, but something answered: the gateway is there
        assertThat(silence.silentFor()).isZero();
    }

    /** What a proxy or a Kubernetes Service in front of a gateway that is gone answers is no answer from it. */
    @Test
    void badGatewayUnavailableAndGatewayTimeoutAreSilence() {
        for (int status : new int[] {502, 503, 504}) {
            Silence s = new Silence(nanos::get);
            s.heard(status);
            advance(Duration.ofSeconds(5));
            assertThat(s.silentFor()).as("HTTP %d", status).isEqualTo(Duration.ofSeconds(5));
        }
        silence.heard(500);
        assertThat(silence.silentFor()).as("the gateway itself failed, but answered").isZero();
    }
}
