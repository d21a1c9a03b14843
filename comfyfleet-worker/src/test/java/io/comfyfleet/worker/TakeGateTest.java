package io.comfyfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A shutdown abandons the job loop's long-poll only while it waits: a poll that has answered with a job keeps that
 * job, which then runs on a thread nobody interrupted.
 */
class TakeGateTest {
    private final TakeGate gate = new TakeGate();
    private final AtomicInteger abandons = new AtomicInteger();

    @Test
    void aShutdownDuringThePollAbandonsItAndNoFurtherPollStarts() throws Exception {
        CountDownLatch polling = new CountDownLatch(1);
        AtomicReference<Boolean> interruptedInPoll = new AtomicReference<>();
        Thread loop = Thread.ofPlatform().start(() -> {
            assertThat(gate.enter()).isTrue();
            polling.countDown();
            try {
                Thread.sleep(10_000); // the long-poll, waiting for a job
                interruptedInPoll.set(false);
            } catch (InterruptedException e) {
                interruptedInPoll.set(true);
            } finally {
                gate.leave();
            }
        });
        assertThat(polling.await(5, TimeUnit.SECONDS)).isTrue();

        gate.close(() -> {
            abandons.incrementAndGet();
            loop.interrupt();
        });

        loop.join(5_000);
        assertThat(loop.isAlive()).isFalse();
        assertThat(abandons).hasValue(1);
        assertThat(interruptedInPoll.get()).as("the waiting poll was interrupted").isTrue();
        assertThat(gate.enter()).as("no poll after the shutdown").isFalse();
    }

    @Test
    void aShutdownAfterThePollAnsweredLeavesTheJobsThreadAlone() {
        assertThat(gate.enter()).isTrue();
        gate.leave(); // the poll answered with a job; the loop is about to run it

        gate.close(() -> {
            abandons.incrementAndGet();
            Thread.currentThread().interrupt();
        });

        assertThat(abandons).as("nothing to abandon: the job runs within the grace").hasValue(0);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(gate.enter()).as("but no job after it").isFalse();
    }

    @Test
    void anInterruptThatReachedThePollJustAsItAnsweredIsClearedBeforeTheJobRuns() throws Exception {
        CountDownLatch answered = new CountDownLatch(1);
        CountDownLatch abandoned = new CountDownLatch(1);
        AtomicBoolean interruptedWhenTheJobStarts = new AtomicBoolean(true);
        Thread loop = Thread.ofPlatform().start(() -> {
            gate.enter();
            answered.countDown(); // the poll's answer, a job, is read ...
            awaitQuietly(abandoned); // ... as the shutdown's abandon interrupts this thread
            gate.leave();
            interruptedWhenTheJobStarts.set(Thread.currentThread().isInterrupted());
        });
        assertThat(answered.await(5, TimeUnit.SECONDS)).isTrue();

        gate.close(() -> {
            abandons.incrementAndGet();
            loop.interrupt();
        });
        abandoned.countDown();

        loop.join(5_000);
        assertThat(abandons).hasValue(1);
        assertThat(interruptedWhenTheJobStarts).as("the job the poll brought runs uninterrupted").isFalse();
    }

    @Test
    void closingTwiceAbandonsOnce() {
        assertThat(gate.enter()).isTrue();
        gate.close(abandons::incrementAndGet);
        gate.close(abandons::incrementAndGet);
        assertThat(abandons).hasValue(1);
        gate.leave();
        assertThat(Thread.interrupted()).isFalse();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // keep it: it is what leave() must clear
        }
    }
}
