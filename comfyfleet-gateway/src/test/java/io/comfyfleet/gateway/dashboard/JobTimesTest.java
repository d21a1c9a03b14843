package io.comfyfleet.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The job-times and cold-start charts' numbers: nearest-rank percentiles per bucket, per endpoint, in the window. */
class JobTimesTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    final SettableClock clock = new SettableClock(T0);
    final JobTimes times = new JobTimes(clock, Duration.ofMinutes(2));

    @Test
    void takesP50AndP95OfEachBucketsDelaysAndExecutions() {
        clock.advance(Duration.ofSeconds(100));
        for (int i = 1; i <= 20; i++) {
            Instant started = T0.plusSeconds(90);
            Job running = job("j" + i, "a", JobState.IN_PROGRESS, started.minusSeconds(i), started, null);
            times.taken(running);
            times.changed(job("j" + i, "a", JobState.COMPLETED, started.minusSeconds(i), started, started.plusMillis(100L * i)));
        }
        times.taken(job("other", "b", JobState.IN_PROGRESS, T0, T0.plusSeconds(95), null)); // another key's endpoint

        List<JobTimes.Bucket> buckets = times.buckets(List.of("a"), Duration.ofSeconds(30));
        // window 00:00:-20 .. 00:01:40 → buckets starting at -30 s, 0, 30, 60, 90
        assertThat(buckets).extracting(JobTimes.Bucket::start)
                .containsExactly(T0.minusSeconds(30), T0, T0.plusSeconds(30), T0.plusSeconds(60), T0.plusSeconds(90));
        JobTimes.Bucket last = buckets.getLast();
        assertThat(last.delays()).isEqualTo(20);
        assertThat(last.delayP50()).isEqualTo(10_000L);
        assertThat(last.delayP95()).isEqualTo(19_000L);
        assertThat(last.executions()).isEqualTo(20);
        assertThat(last.executionP50()).isEqualTo(1_000L);
        assertThat(last.executionP95()).isEqualTo(1_900L);
        assertThat(buckets.getFirst().delayP50()).as("a bucket without jobs has no percentile").isNull();
        assertThat(buckets.getFirst().delays()).isZero();
    }

    @Test
    void aJobThatNeverRanHasNoExecutionTime() {
        times.changed(job("c", "a", JobState.CANCELLED, T0, null, T0.plusSeconds(1)));
        assertThat(times.buckets(List.of("a"), Duration.ofSeconds(30))).allSatisfy(b -> assertThat(b.executions()).isZero());
    }

    @Test
    void coldStartsOfTheVisibleEndpointsWithinTheWindowOnly() {
        times.coldStart("a", "w1", Duration.ofSeconds(12));
        clock.advance(Duration.ofMinutes(1));
        times.coldStart("b", "w2", Duration.ofSeconds(30));
        times.coldStart("a", "w3", Duration.ofSeconds(14));
        assertThat(times.coldStarts(List.of("a"))).extracting(JobTimes.Event::workerId, JobTimes.Event::millis)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("w1", 12_000L), org.assertj.core.groups.Tuple.tuple("w3", 14_000L));

        clock.advance(Duration.ofSeconds(61)); // w1's is now older than the 2-minute window
        assertThat(times.coldStarts(List.of("a", "b"))).extracting(JobTimes.Event::workerId).containsExactly("w2", "w3");
    }

    @Test
    void nearestRankPercentile() {
        assertThat(JobTimes.percentile(List.of(), 50)).isNull();
        assertThat(JobTimes.percentile(List.of(7L), 95)).isEqualTo(7L);
        assertThat(JobTimes.percentile(List.of(4L, 1L, 3L, 2L), 50)).isEqualTo(2L);
        assertThat(JobTimes.percentile(List.of(4L, 1L, 3L, 2L), 95)).isEqualTo(4L);
    }

    private static Job job(String id, String endpoint, JobState state, Instant created, Instant started, Instant finished) {
        return new Job(id, endpoint, state, "{}", null, null, new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false),
                1, null, null, "w", 0, created, started, finished, null, null);
    }
}
