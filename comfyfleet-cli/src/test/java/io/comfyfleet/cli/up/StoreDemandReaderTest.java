package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.fleet.autoscale.AutoscalerSettings;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.comfyfleet.store.JobStores;
import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The autoscaler learns its demand from the store: two gateways' stores on one real (embedded) PostgreSQL, the
 * jobs queued, taken and ended through one of them, the reader on the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreDemandReaderTest {
    private static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");

    private EmbeddedPostgres postgres;
    private JobStore here;
    private JobStore elsewhere;
    private Autoscaler autoscaler;

    @BeforeAll
    void startDatabase() throws Exception {
        postgres = TestPostgres.start();
        String url = postgres.getJdbcUrl("postgres", "postgres");
        here = JobStores.openPostgres(url, "postgres", null);
        elsewhere = JobStores.openPostgres(url, "postgres", null);
    }

    @AfterAll
    void stopDatabase() throws Exception {
        here.close();
        elsewhere.close();
        postgres.close();
    }

    @BeforeEach
    void freshAutoscaler() {
        autoscaler = new Autoscaler(new ListedWorkers(), (endpoint, now) -> io.comfyfleet.fleet.scale.QueueSnapshot.empty(),
                endpoint -> Map.of(), List.of(), AutoscalerSettings.defaults(), Clock.fixed(T0, ZoneOffset.UTC));
    }

    @AfterEach
    void emptyTables() throws Exception {
        autoscaler.close();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM jobs");
        }
    }

    @Test
    void jobsTakenAndEndedThroughAnotherGatewayAreTheDemand() {
        StoreDemandReader reader = readerAt(T0.plusSeconds(60));
        queue("a", T0);
        queue("b", T0.plusSeconds(1));
        queue("c", T0.plusSeconds(2));
        queue("waiting", T0.plusSeconds(3));
        elsewhere.claim("ep", "w1", 3, T0.plusSeconds(10), T0.plusSeconds(100));
        elsewhere.finish("ep", "a", "w1", JobState.COMPLETED, "{}", null, T0.plusSeconds(14));
        elsewhere.finish("ep", "b", "w1", JobState.FAILED, null, "boom", T0.plusSeconds(16));
        elsewhere.cancel("c", T0.plusSeconds(11));

        reader.run();

        assertThat(autoscaler.demand("ep").arrivals()).as("the three taken; the one still queued is in the queue's count")
                .containsExactly(T0, T0.plusSeconds(1), T0.plusSeconds(2));
        assertThat(autoscaler.demand("ep").execution()).as("a ran 4 s, b 6 s; c was cut short by its client")
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aTakeCommittedAfterALaterOneWasReadIsLearnedAndNothingIsLearnedTwice() {
        StoreDemandReader reader = readerAt(T0.plusSeconds(60));
        queue("early", T0);
        queue("late", T0.plusSeconds(1));
        elsewhere.claimJobs("ep", "w1", List.of("late"), T0.plusSeconds(10), T0.plusSeconds(100));
        reader.run();
        // stamped a second before the take already read, committed after it (another gateway's clock, or its commit)
        elsewhere.claimJobs("ep", "w2", List.of("early"), T0.plusSeconds(9), T0.plusSeconds(100));
        reader.run();
        reader.run();

        assertThat(autoscaler.demand("ep").arrivals()).containsExactly(T0, T0.plusSeconds(1));
    }

    @Test
    void aJobTakenAgainAfterARetryArrivedTwice() {
        StoreDemandReader reader = readerAt(T0.plusSeconds(60));
        queue("j", T0);
        elsewhere.claim("ep", "w1", 1, T0.plusSeconds(1), T0.plusSeconds(100));
        reader.run();
        elsewhere.finish("ep", "j", "w1", JobState.FAILED, null, "boom", T0.plusSeconds(2));
        elsewhere.retry("j", T0.plusSeconds(3));
        elsewhere.claim("ep", "w2", 1, T0.plusSeconds(4), T0.plusSeconds(100));
        reader.run();

        assertThat(autoscaler.demand("ep").arrivals()).containsExactly(T0, T0);
    }

    @Test
    void theFirstReadGoesBackADaySoANewLeaderKnowsTheDemandAtOnce() {
        queue("yesterday", T0.minus(Duration.ofHours(25)));
        elsewhere.claim("ep", "w1", 1, T0.minus(Duration.ofHours(25)), T0.plusSeconds(100));
        queue("this-morning", T0.minus(Duration.ofHours(23)));
        elsewhere.claim("ep", "w1", 1, T0.minus(Duration.ofHours(23)), T0.plusSeconds(100));

        readerAt(T0).run();

        assertThat(autoscaler.demand("ep").arrivals()).containsExactly(T0.minus(Duration.ofHours(23)));
    }

    @Test
    void aBacklogLongerThanAPageIsReadWhole() {
        int n = StoreDemandReader.PAGE * 2 + 500;
        IntStream.range(0, n).forEach(i -> queue("j" + i, T0.plusMillis(i)));
        // taken in batches of 100, so many jobs share each take's millisecond
        for (int i = 0; i < n; i += 100) {
            elsewhere.claim("ep", "w1", 100, T0.plusSeconds(10 + i / 100), T0.plusSeconds(1000));
        }
        StoreDemandReader reader = readerAt(T0.plusSeconds(60));
        reader.run();

        List<Instant> arrivals = autoscaler.demand("ep").arrivals();
        assertThat(arrivals).as("the autoscaler keeps the newest 2000 arrivals: read through every page")
                .hasSize(2000).endsWith(T0.plusMillis(n - 1)).startsWith(T0.plusMillis(n - 2000));
        reader.run();
        assertThat(autoscaler.demand("ep").arrivals()).as("read again: nothing new").isEqualTo(arrivals);
    }

    private StoreDemandReader readerAt(Instant now) {
        return new StoreDemandReader(here, autoscaler, Clock.fixed(now, ZoneOffset.UTC));
    }

    private void queue(String id, Instant at) {
        elsewhere.enqueue(new NewJob(id, "ep", "{}", null, null,
                new JobPolicy(Duration.ofMinutes(10), Duration.ofDays(3), false), 3, at));
    }
}
