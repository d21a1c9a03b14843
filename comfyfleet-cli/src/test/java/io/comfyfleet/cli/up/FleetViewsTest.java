package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.fleet.autoscale.WorkerActivity;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerHandle;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.fleet.provider.WorkerSpec;
import io.comfyfleet.fleet.scale.QueueSnapshot;
import io.comfyfleet.gateway.dispatch.WorkerCounts;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.testkit.SettableClock;
import io.comfyfleet.store.JobStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's side of the autoscaler: queue and worker views, and /health's counts of provider workers. */
class FleetViewsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final SettableClock clock = new SettableClock(T0);
    private final WorkerRegistry registry = new WorkerRegistry(clock, Duration.ofSeconds(80));

    @TempDir
    Path dir;

    @Test
    void aWorkerIsIdleSinceItsFirstCallThenSinceItsLastJobEnded() {
        RegistryWorkerStates states = new RegistryWorkerStates(registry);
        registry.askedForJobs("ep", "w1", false);
        assertThat(states.activity("ep").get("w1")).isEqualTo(WorkerActivity.idle(T0, T0));

        clock.advance(Duration.ofSeconds(3));
        registry.gaveJobs("ep", "w1", List.of("j1"));
        assertThat(states.activity("ep").get("w1").jobsInProgress()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(4));
        registry.finished("ep", "w1", "j1");
        clock.advance(Duration.ofSeconds(1));
        registry.askedForJobs("ep", "w1", false);
        assertThat(states.activity("ep").get("w1"))
                .isEqualTo(WorkerActivity.idle(T0.plusSeconds(8), T0.plusSeconds(7)));
        assertThat(states.activity("other")).isEmpty();
    }

    @Test
    void healthCountsStartingWorkersAndDropsStoppingOnesAtOnce() {
        ListedWorkers provider = new ListedWorkers();
        registry.provisioning(new ProviderProvisioning(provider));
        provider.workers.add(worker("w1", FleetWorker.Phase.UP, null));
        provider.workers.add(worker("w2", FleetWorker.Phase.UP, null));
        assertThat(registry.counts("ep")).isEqualTo(new WorkerCounts(0, 2, 0, 0, 0, 0));

        registry.askedForJobs("ep", "w1", false);
        assertThat(registry.counts("ep")).as("called, not yet marked ready: counted once, as initializing")
                .isEqualTo(new WorkerCounts(0, 2, 0, 0, 0, 0));
        provider.workers.set(0, worker("w1", FleetWorker.Phase.UP, T0));
        assertThat(registry.counts("ep")).isEqualTo(new WorkerCounts(1, 1, 1, 0, 0, 0));

        provider.workers.set(0, worker("w1", FleetWorker.Phase.STOPPING, T0));
        provider.workers.set(1, worker("w2", FleetWorker.Phase.EXITED, null));
        assertThat(registry.counts("ep")).as("w1 stopping is no longer idle; w2 died")
                .isEqualTo(new WorkerCounts(0, 0, 0, 0, 0, 1));

        provider.workers.clear();
        assertThat(registry.counts("ep")).as("gone, though heard from within the liveness window")
                .isEqualTo(new WorkerCounts(0, 0, 0, 0, 0, 0));
        registry.askedForJobs("ep", "outside", false);
        assertThat(registry.counts("ep").idle()).as("a worker the provider never started still counts").isEqualTo(1);
    }

    @Test
    void aWorkerBeingStoppedOrGoneIsRetiredSoItsParkedJobTakeGetsNoJob() {
        ListedWorkers provider = new ListedWorkers();
        registry.provisioning(new ProviderProvisioning(provider));
        provider.workers.add(worker("w1", FleetWorker.Phase.UP, T0));
        provider.workers.add(worker("w2", FleetWorker.Phase.UP, T0));
        registry.counts("ep");
        assertThat(registry.isRetired("w1")).isFalse();
        assertThat(registry.isRetired("outside")).as("a worker this provider never started").isFalse();

        provider.workers.set(0, worker("w1", FleetWorker.Phase.STOPPING, T0));
        provider.workers.set(1, worker("w2", FleetWorker.Phase.EXITED, T0));
        assertThat(registry.isRetired("w1")).as("being stopped").isTrue();
        assertThat(registry.isRetired("w2")).as("exited").isTrue();

        provider.workers.clear();
        assertThat(registry.isRetired("w1")).as("no longer listed").isTrue();
        assertThat(registry.isRetired("outside")).isFalse();
    }

    @Test
    void aParkedJobTakeOfARetiredWorkerLeavesTheJobQueued() throws Exception {
        ListedWorkers provider = new ListedWorkers();
        registry.provisioning(new ProviderProvisioning(provider));
        provider.workers.add(worker("w1", FleetWorker.Phase.UP, T0));
        registry.counts("ep");
        try (JobStore store = JobStores.openSqlite(dir.resolve("jobs.db"));
                var webhooks = new io.comfyfleet.gateway.webhook.WebhookSender(
                        new io.comfyfleet.gateway.config.WebhookSettings(1, Duration.ofMillis(1), Duration.ofSeconds(1), false), clock)) {
            var events = new io.comfyfleet.gateway.jobs.JobEvents(webhooks, java.util.Map.of(), clock);
            var service = new io.comfyfleet.gateway.jobs.WorkerService(store, events, registry, clock, Duration.ofSeconds(30));
            store.enqueue(job("j1", T0, false, Duration.ofHours(1)));
            provider.workers.set(0, worker("w1", FleetWorker.Phase.STOPPING, T0));

            assertThat(service.take("ep", "w1", 1, false, Duration.ZERO)).as("a retired worker gets nothing").isEmpty();
            assertThat(store.find("j1", T0).orElseThrow().state()).isEqualTo(io.comfyfleet.core.job.JobState.IN_QUEUE);
            assertThat(service.take("ep", "w9", 1, false, Duration.ZERO)).as("a live worker takes it").hasSize(1);
        }
    }

    @Test
    void theQueueViewCountsNormalPriorityLiveJobsAndTheOldestOfThem() {
        try (JobStore store = JobStores.openSqlite(dir.resolve("jobs.db"))) {
            StoreQueueView view = new StoreQueueView(store);
            assertThat(view.snapshot("ep", T0)).isEqualTo(QueueSnapshot.empty());

            store.enqueue(job("j1", T0, false, Duration.ofHours(1)));
            store.enqueue(job("j2", T0.plusSeconds(1), true, Duration.ofHours(1)));
            store.enqueue(job("j3", T0.plusSeconds(2), false, Duration.ofHours(1)));
            store.claim("ep", "w1", 1, T0.plusSeconds(3), T0.plusSeconds(60));

            assertThat(view.snapshot("ep", T0.plusSeconds(4)))
                    .as("j1 runs; j2 is low priority; j3 waits")
                    .isEqualTo(new QueueSnapshot(1, 1, T0.plusSeconds(2)));
        }
    }

    @Test
    void theDashboardListsStartingWorkersAndNeverShowsAStoppedOneAsIdle() {
        ListedWorkers provider = new ListedWorkers();
        registry.provisioning(new ProviderProvisioning(provider));
        provider.workers.add(worker("w1", FleetWorker.Phase.UP, T0));
        provider.workers.add(worker("w2", FleetWorker.Phase.UP, null));
        registry.askedForJobs("ep", "w1", false);
        try (JobStore store = JobStores.openSqlite(dir.resolve("jobs.db"))) {
            var ep = new io.comfyfleet.gateway.config.EndpointConfig("ep",
                    io.comfyfleet.gateway.config.ApiKeys.of(List.of("client-key-0123456789")),
                    io.comfyfleet.gateway.config.ApiKeys.of(List.of("worker-key-0123456789")), Duration.ofMinutes(10),
                    Duration.ofHours(24), 3, 0, 3, Duration.ofSeconds(5),
                    io.comfyfleet.core.endpoint.ScalerType.QUEUE_DELAY, 4, java.util.Optional.empty(),
                    java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty());
            var dashboard = new io.comfyfleet.gateway.dashboard.Dashboard(List.of(ep), store, registry, clock);

            assertThat(states(dashboard, ep)).containsExactly("w1=idle", "w2=starting");
            assertThat(dashboard.overview(List.of(ep)).path("workers").get(1).path("uptimeMs").asLong()).isZero();

            provider.workers.set(0, worker("w1", FleetWorker.Phase.STOPPING, T0));
            assertThat(states(dashboard, ep)).containsExactly("w1=stopping", "w2=starting");

            provider.workers.remove(0);
            clock.advance(Duration.ofSeconds(5));
            assertThat(states(dashboard, ep)).as("gone, though heard from within the liveness window")
                    .containsExactly("w1=stopped", "w2=starting");
            assertThat(registry.counts("ep").idle()).as("the card agrees: no idle worker").isZero();

            registry.stoppedAsking("ep", "w1"); // its parked job-take ended with the hold
            clock.advance(Duration.ofSeconds(90));
            assertThat(states(dashboard, ep)).as("a stopped worker fades once the registry forgets it")
                    .containsExactly("w2=starting");
        }
    }

    private static List<String> states(io.comfyfleet.gateway.dashboard.Dashboard dashboard,
            io.comfyfleet.gateway.config.EndpointConfig ep) {
        List<String> states = new ArrayList<>();
        dashboard.overview(List.of(ep)).path("workers")
                .forEach(w -> states.add(w.path("id").asString() + "=" + w.path("state").asString()));
        return states;
    }

    private static NewJob job(String id, Instant at, boolean lowPriority, Duration ttl) {
        return new NewJob(id, "ep", "{}", null, null, new JobPolicy(Duration.ofMinutes(10), ttl, lowPriority), 3, at);
    }

    private static FleetWorker worker(String id, FleetWorker.Phase phase, Instant readyAt) {
        return new FleetWorker(new WorkerHandle(id, "ep", "fake", "cpu", "v1"), phase, T0, readyAt,
                phase == FleetWorker.Phase.EXITED ? T0 : null, null);
    }
}
