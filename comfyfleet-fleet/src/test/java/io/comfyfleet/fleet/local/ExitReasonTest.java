package io.comfyfleet.fleet.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.process.WorkerExitLine;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ExitReasonTest {
    @Test
    void theLastReasonGivenCountsAndOtherLinesDoNot() {
        ExitReason reason = new ExitReason();
        reason.note("12:00:00.000 ERROR [main] i.c.w.WorkerApp - comfyfleet worker: not at the start of the line");
        assertThat(reason.await(Duration.ZERO)).isEmpty();

        reason.note(WorkerExitLine.of(1, "first"));
        reason.note("ComfyUI output");
        reason.note(WorkerExitLine.of(3, "ComfyUI did not start"));
        reason.ended();

        assertThat(reason.await(Duration.ZERO)).hasValue("ComfyUI did not start");
    }

    @Test
    void aReaderWaitsForOutputStillOnItsWayButNoLongerThanAskedOnceItEnded() throws Exception {
        ExitReason reason = new ExitReason();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread late = Thread.ofVirtual().start(() -> {
            try {
                waiting.await();
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            reason.note(WorkerExitLine.of(3, "out of memory"));
            reason.ended();
        });

        waiting.countDown();
        assertThat(reason.await(ExitReason.DRAIN)).hasValue("out of memory");
        late.join();

        long begin = System.nanoTime();
        assertThat(reason.await(Duration.ofMinutes(1))).hasValue("out of memory");
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aReaderWaitsNoLongerThanAskedForOutputThatDoesNotEnd() {
        ExitReason reason = new ExitReason();
        long begin = System.nanoTime();

        assertThat(reason.await(Duration.ofMillis(100))).isEmpty();

        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isBetween(Duration.ofMillis(90), Duration.ofSeconds(5));
    }
}
