package io.comfyfleet.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import io.comfyfleet.testkit.SettableClock;

class QueueSweeperTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration RETENTION = Duration.ofMinutes(30);

    private final SettableClock clock = new SettableClock(T0);
    private final SweepOnlyStore store = new SweepOnlyStore();
    private final List<SweepReport> heard = new CopyOnWriteArrayList<>();

    private QueueSweeper sweeper(SweepListener listener) {
        return new QueueSweeper(store, clock, Duration.ofSeconds(1), RETENTION, listener);
    }

    private static Job job(String id, JobState state) {
        return new Job(id, "ep1", state, "{}", null, null,
                new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false), 2, null, null, "w1", 1,
                T0, null, null, null, T0.plusSeconds(3600));
    }

    @Test
    void aPassUsesTheClockAndReportsEveryChange() {
        clock.advance(Duration.ofHours(2));
        Instant now = T0.plus(Duration.ofHours(2));
        store.nextTimedOut = List.of(job("slow", JobState.TIMED_OUT));
        store.nextExpired = List.of(job("lost", JobState.IN_QUEUE), job("gone", JobState.FAILED));
        store.nextDeleted = 7;

        SweepReport report = sweeper(heard::add).sweepOnce();

        assertThat(store.calls).containsOnly(now).hasSize(3);
        assertThat(store.retainedSinceArgs).containsExactly(now.minus(RETENTION));
        assertThat(store.syncRetainedSinceArgs).as("runsync jobs kept as long unless told otherwise")
                .containsExactly(now.minus(RETENTION));
        assertThat(report.at()).isEqualTo(now);
        assertThat(report.timedOut()).extracting(Job::id).containsExactly("slow");
        assertThat(report.requeued()).extracting(Job::id).containsExactly("lost");
        assertThat(report.failed()).extracting(Job::id).containsExactly("gone");
        assertThat(report.deleted()).isEqualTo(7);
        assertThat(heard).containsExactly(report);
    }

    @Test
    void runsyncResultsMayBeKeptForAShorterTime() {
        new QueueSweeper(store, clock, Duration.ofSeconds(1), RETENTION, Duration.ofMinutes(1), heard::add)
                .sweepOnce();

        assertThat(store.retainedSinceArgs).containsExactly(T0.minus(RETENTION));
        assertThat(store.syncRetainedSinceArgs).containsExactly(T0.minus(Duration.ofMinutes(1)));
    }

    @Test
    void aQuietPassDoesNotBotherTheListener() {
        QueueSweeper sweeper = sweeper(heard::add);

        assertThat(sweeper.sweepOnce().isEmpty()).isTrue();
        assertThat(heard).isEmpty();
        assertThat(sweeper.passes()).isEqualTo(1);
    }

    @Test
    void aFailingStepIsCountedAndTheOtherStepsStillRun() {
        QueueSweeper sweeper = sweeper(heard::add);
        store.failNextTimeOut = true;
        store.nextExpired = List.of(job("lost", JobState.IN_QUEUE));
        store.nextDeleted = 1;

        SweepReport report = sweeper.sweepOnce();

        assertThat(sweeper.failures()).isEqualTo(1);
        assertThat(report.requeued()).extracting(Job::id).containsExactly("lost");
        assertThat(report.deleted()).isEqualTo(1);
        assertThat(heard).hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        store.nextTimedOut = List.of(job("slow", JobState.TIMED_OUT));
        assertThat(sweeper.sweepOnce().timedOut()).extracting(Job::id).containsExactly("slow");
        assertThat(sweeper.failures()).isEqualTo(1);
    }

    @Test
    void itsLogLinesReadAsTheTerminalOfUpShowsThem() {
        // up's terminal stamps every line with its time: the line needs no instant of its own, and durations read
        // 1.0 s, not PT1S
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        Logger logger = (Logger) LoggerFactory.getLogger(QueueSweeper.class);
        logger.addAppender(lines);
        try {
            store.failNextTimeOut = true;
            store.nextExpired = List.of(job("lost", JobState.IN_QUEUE));
            store.nextDeleted = 1;

            sweeper(heard::add).sweepOnce();
        } finally {
            logger.detachAppender(lines);
        }

        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "queue sweep failed to time out overdue jobs (1 failures so far); trying again in 1.0 s",
                "queue sweep: 1 requeued, 0 failed (worker lost), 0 timed out, 1 deleted");
    }

    @Test
    void deletingFinishedJobsAfterTheirRetentionIsNotAnnouncedInUpsTerminal() {
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        Logger logger = (Logger) LoggerFactory.getLogger(QueueSweeper.class);
        logger.addAppender(lines);
        try {
            store.nextDeleted = 2;
            assertThat(sweeper(heard::add).sweepOnce().deleted()).isEqualTo(2);
        } finally {
            logger.detachAppender(lines);
        }

        // up's terminal shows INFO and above: before, every job ended 30 min ago came back as a line there
        assertThat(lines.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
                .as("routine deletions").isEmpty();
        assertThat(heard).as("the listener still hears of the pass").hasSize(1);
    }

    @Test
    void aFailingListenerIsCountedAndDoesNotStopTheSweeper() {
        QueueSweeper sweeper = sweeper(r -> {
            throw new IllegalStateException("webhook queue full (test)");
        });
        store.nextDeleted = 3;

        assertThat(sweeper.sweepOnce().deleted()).isEqualTo(3);
        assertThat(sweeper.failures()).isEqualTo(1);
        assertThat(sweeper.passes()).isEqualTo(1);
    }

    @Test
    void theLoopKeepsSweepingThroughFailuresUntilClosed() {
        store.failAlwaysDelete = true;
        store.failNextExpire = true;
        QueueSweeper sweeper = new QueueSweeper(store, clock, Duration.ofMillis(5), RETENTION, heard::add);
        try {
            sweeper.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> sweeper.passes() >= 3);
            long passes = sweeper.passes();
            // every pass fails to delete, and counts the failure before it counts the pass
            assertThat(sweeper.failures()).isGreaterThanOrEqualTo(passes);
            assertThatThrownBy(sweeper::start).isInstanceOf(IllegalStateException.class);
        } finally {
            sweeper.close();
        }
        long after = sweeper.passes();
        assertThat(sweeper.sweepOnce()).isNotNull();
        assertThat(sweeper.passes()).as("only the pass run by hand after close").isEqualTo(after + 1);
    }

    @Test
    void aBadPeriodOrRetentionIsRefused() {
        assertThatThrownBy(() -> new QueueSweeper(store, clock, Duration.ZERO, RETENTION, heard::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period");
        assertThatThrownBy(() -> new QueueSweeper(store, clock, Duration.ofSeconds(1), Duration.ofSeconds(-1),
                heard::add)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
        assertThatThrownBy(() -> new QueueSweeper(store, clock, Duration.ofSeconds(1), RETENTION, null, heard::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("runsync");
    }
}
