package io.comfyfleet.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.testkit.SettableClock;
import io.comfyfleet.store.JobStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chart's history on a real SQLite store: bounded to its window, endpoints summed per sample. */
class FleetHistoryTest {
    @TempDir
    Path dir;
    final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    JobStore store;
    WorkerRegistry workers;
    FleetHistory history;

    @BeforeEach
    void open() {
        store = JobStores.openSqlite(dir.resolve("jobs.db"));
        workers = new WorkerRegistry(clock, Duration.ofSeconds(60));
        // a 10 s window sampled every 2 s keeps 5 samples
        history = new FleetHistory(List.of("a", "b"), store, workers, clock, Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    @AfterEach
    void close() {
        history.close();
        store.close();
    }

    @Test
    void keepsOnlyTheWindowNewestLast() {
        for (int i = 0; i < 7; i++) {
            history.sample();
            clock.advance(Duration.ofSeconds(2));
        }

        assertThat(history.capacity()).isEqualTo(5);
        assertThat(history.samples()).extracting(FleetHistory.Sample::at).containsExactly(
                Instant.parse("2026-01-01T00:00:04Z"), Instant.parse("2026-01-01T00:00:06Z"),
                Instant.parse("2026-01-01T00:00:08Z"), Instant.parse("2026-01-01T00:00:10Z"),
                Instant.parse("2026-01-01T00:00:12Z"));
    }

    @Test
    void aSampleCountsEachEndpointAndSumsOnlyThoseAsked() {
        enqueue("a");
        enqueue("a");
        enqueue("b");
        workers.askedForJobs("a", "w1", false);
        workers.stoppedAsking("a", "w1");

        history.sample();

        FleetHistory.Sample sample = history.samples().getFirst();
        assertThat(sample.total(List.of("a"))).isEqualTo(new FleetHistory.Point(2, 0, 1, 0, 0));
        assertThat(sample.total(List.of("b"))).isEqualTo(new FleetHistory.Point(1, 0, 0, 0, 0));
        assertThat(sample.total(List.of("a", "b"))).isEqualTo(new FleetHistory.Point(3, 0, 1, 0, 0));
    }

    private void enqueue(String endpoint) {
        store.enqueue(new NewJob(UUID.randomUUID().toString(), endpoint, "{}", null, null,
                new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false), 1, clock.instant()));
    }
}
