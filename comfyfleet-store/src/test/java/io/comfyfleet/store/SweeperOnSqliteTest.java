package io.comfyfleet.store;

import static io.comfyfleet.store.TestJobs.EP;
import static io.comfyfleet.store.TestJobs.T0;
import static io.comfyfleet.store.TestJobs.at;
import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.queue.QueueSweeper;
import io.comfyfleet.core.queue.SweepReport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweeper and a real store together: a lost worker, an overdue job and an expired one in one pass. */
class SweeperOnSqliteTest {
    @TempDir
    Path dir;

    @Test
    void onePassRequeuesTimesOutAndDeletes() {
        try (JobStore store = JobStores.openSqlite(dir.resolve("jobs.db"))) {
            store.enqueue(job("lost").createdAt(T0).build());
            store.enqueue(job("slow").createdAt(T0.plusMillis(1)).executionTimeout(Duration.ofSeconds(5)).build());
            store.claim(EP, "w1", 2, at(1), at(100));
            store.renewLeases(EP, "w1", List.of("slow"), at(500));
            store.enqueue(job("short-lived").createdAt(T0.plusMillis(2)).ttl(Duration.ofSeconds(10)).build());

            List<SweepReport> heard = new ArrayList<>();
            Clock at200s = Clock.fixed(at(200), ZoneOffset.UTC);
            SweepReport report = new QueueSweeper(store, at200s, Duration.ofSeconds(1), Duration.ofMinutes(30),
                    heard::add).sweepOnce();

            assertThat(report.timedOut()).extracting(Job::id).containsExactly("slow");
            assertThat(report.requeued()).extracting(Job::id).containsExactly("lost");
            assertThat(report.failed()).isEmpty();
            assertThat(report.deleted()).isEqualTo(1);
            assertThat(heard).containsExactly(report);
            Instant now = at(200);
            assertThat(store.find("lost", now).orElseThrow().state()).isEqualTo(JobState.IN_QUEUE);
            assertThat(store.find("slow", now).orElseThrow().state()).isEqualTo(JobState.TIMED_OUT);
            assertThat(store.find("short-lived", now)).isEmpty();
        }
    }
}
