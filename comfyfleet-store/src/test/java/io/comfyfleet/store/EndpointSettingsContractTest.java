package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.EndpointSettingsStore;
import io.comfyfleet.core.endpoint.RolloutStatus;
import io.comfyfleet.core.job.JobStore;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What every store's endpoint settings must do, run against each database by a subclass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EndpointSettingsContractTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    protected JobStore store;

    protected abstract JobStore openStore() throws Exception;

    protected abstract JobStore reopen(JobStore store) throws Exception;

    @BeforeAll
    void open() throws Exception {
        store = openStore();
    }

    @AfterAll
    void close() {
        store.close();
    }

    private EndpointSettingsStore settings() {
        return store.endpointSettings().orElseThrow();
    }

    private static EndpointSettings seed(String endpoint, String image) {
        return new EndpointSettings(endpoint, image, null, false, 0, 3, Duration.ofSeconds(5), "QUEUE_DELAY", 4.0, 1,
                null, null, 0, T0);
    }

    @Test
    void aSeedIsStoredOnceAndLaterSeedsLeaveTheRowAlone() throws Exception {
        assertThat(settings().seed(seed("seeded", "img:a"))).isTrue();
        assertThat(settings().seed(seed("seeded", "img:other"))).isFalse();

        store = reopen(store);
        EndpointSettings read = settings().get("seeded").orElseThrow();
        assertThat(read.image()).isEqualTo("img:a");
        assertThat(read.revision()).isEqualTo(1);
        assertThat(read.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(read.scalerValue()).isEqualTo(4.0);
        assertThat(read.updatedAt()).isEqualTo(T0);
        assertThat(settings().all()).extracting(EndpointSettings::endpoint).contains("seeded");
        assertThat(settings().get("never-seeded")).isEmpty();
    }

    @Test
    void anUpdateNamesTheRevisionItReadSoAConcurrentChangeIsNotLost() {
        settings().seed(seed("updated", null));
        EndpointSettings read = settings().get("updated").orElseThrow();

        EndpointSettings first = settings().update(read.withImage("img:b")
                .withScaling(1, 4, Duration.ofSeconds(9), "REQUEST_COUNT", 2, 2)).orElseThrow();
        assertThat(settings().update(read.withImage("img:c"))).as("a write based on revision 1").isEmpty();

        EndpointSettings now = settings().get("updated").orElseThrow();
        assertThat(now).isEqualTo(first);
        assertThat(now.revision()).isEqualTo(2);
        assertThat(now.image()).isEqualTo("img:b");
        assertThat(now.previousImage()).isNull();
        assertThat(now.minWorkers()).isEqualTo(1);
        assertThat(now.maxWorkers()).isEqualTo(4);
        assertThat(now.maxSurge()).isEqualTo(2);
        assertThat(now.scalerType()).isEqualTo("REQUEST_COUNT");

        EndpointSettings third = settings().update(now.withImage("img:c")).orElseThrow();
        assertThat(third.previousImage()).isEqualTo("img:b");
        assertThat(third.revision()).isEqualTo(3);
    }

    /**
     * The shipped configuration has no image (the provider's default). Once one is set, the default is the previous
     * image: a roll-back goes back to it, and a second roll-back undoes the first.
     */
    @Test
    void aPreviousImageThatIsTheProvidersDefaultIsKeptForARollBack() throws Exception {
        settings().seed(seed("defaulted", null));
        EndpointSettings seeded = settings().get("defaulted").orElseThrow();
        assertThat(seeded.imageChanged()).as("nothing to roll back to yet").isFalse();
        assertThat(seeded.withScaling(1, 3, Duration.ofSeconds(5), "QUEUE_DELAY", 4, 1).imageChanged()).isFalse();
        assertThat(seeded.withImage(null)).as("the same image again changes nothing").isEqualTo(seeded);

        settings().update(seeded.withImage("demo:broken")).orElseThrow();
        store = reopen(store);
        EndpointSettings changed = settings().get("defaulted").orElseThrow();
        assertThat(changed.image()).isEqualTo("demo:broken");
        assertThat(changed.previousImage()).as("the provider's default").isNull();
        assertThat(changed.imageChanged()).isTrue();

        EndpointSettings back = settings().update(changed.rolledBack()).orElseThrow();
        assertThat(back.image()).isNull();
        assertThat(back.previousImage()).isEqualTo("demo:broken");
        assertThat(back.imageChanged()).isTrue();
        assertThat(back.rolledBack().image()).as("a second roll-back undoes the first").isEqualTo("demo:broken");
    }

    @Test
    void routingIsUnsetUntilSeededOrChangedAndSurvivesAReopen() throws Exception {
        settings().seed(seed("unrouted", null));
        assertThat(settings().get("unrouted").orElseThrow().routing()).as("follows the configuration").isNull();
        assertThat(settings().get("unrouted").orElseThrow().affinityWait()).isNull();

        settings().seed(seed("routed", null).withRouting("AFFINITY", Duration.ofMillis(300)));
        EndpointSettings read = settings().get("routed").orElseThrow();
        settings().update(read.withRouting("FIFO", Duration.ofMillis(1_250))).orElseThrow();

        store = reopen(store);
        EndpointSettings now = settings().get("routed").orElseThrow();
        assertThat(now.routing()).isEqualTo("FIFO");
        assertThat(now.affinityWait()).isEqualTo(Duration.ofMillis(1_250));
        assertThat(now.revision()).isEqualTo(2);
    }

    @Test
    void aRolloutStatusIsReplacedByTheNextOne() throws Exception {
        assertThat(settings().rollout("rolled")).isEmpty();
        settings().saveRollout(new RolloutStatus("rolled", RolloutStatus.State.ROLLING, "img:a", "img:b", T0, 2, 1, 0,
                0, null, T0));
        RolloutStatus halted = new RolloutStatus("rolled", RolloutStatus.State.HALTED, "img:a", "img:b", T0, 2, 0, 0,
                3, "3 workers of img:b exited before they became ready", T0.plusSeconds(5));
        settings().saveRollout(halted);

        store = reopen(store);
        assertThat(settings().rollout("rolled")).contains(halted);
    }
}
