package io.comfyfleet.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.Handoff;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.gateway.config.WebhookSettings;
import io.comfyfleet.gateway.dispatch.Handoffs;
import io.comfyfleet.gateway.dispatch.TakerConnection;
import io.comfyfleet.gateway.dispatch.WorkerRegistry;
import io.comfyfleet.gateway.webhook.WebhookSender;
import io.comfyfleet.store.JobStores;
import io.comfyfleet.testkit.SettableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job-take whose client hung up gets no job; jobs handed to it as it went, or whose answer could not be written,
 * go back to the queue at once without counting a retry (the worker never ran them). The hang-up is told through
 * a {@link TakerConnection} the test controls, so each moment can be chosen exactly.
 */
class HungUpJobTakeTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration LONG_HOLD = Duration.ofHours(1);

    @TempDir
    Path dir;
    final SettableClock clock = new SettableClock(T0.plusSeconds(1));
    final List<String> heard = new CopyOnWriteArrayList<>();
    JobStore store;
    WebhookSender webhooks;
    JobEvents events;
    JobChanges changes;
    WorkerRegistry registry;
    WorkerService workers;

    @BeforeEach
    void open() {
        store = JobStores.openSqlite(dir.resolve("jobs.db"));
        webhooks = new WebhookSender(new WebhookSettings(1, Duration.ofMillis(1), Duration.ofSeconds(1), true), clock);
        events = new JobEvents(webhooks, Map.of(), clock);
        events.listen(new JobListener() {
            @Override
            public void changed(Job job) {
                heard.add(job.id() + " " + job.state());
            }
        });
        changes = new JobChanges(store, events);
        registry = new WorkerRegistry(clock, Duration.ofMinutes(1));
        workers = new WorkerService(store, events, registry, clock, LEASE);
    }

    @AfterEach
    void close() {
        webhooks.close();
        store.close();
    }

    @Test
    void aJobHandedOverAsTheClientLeftGoesBackToTheQueueWithoutARetry() throws Exception {
        Connection ghost = new Connection();
        CompletableFuture<List<Job>> take = takeAsync("ghost", ghost);
        Handoffs.Waiter reserved = reserveParked();

        // the client's FIN is noticed while /run stores the job and claims it for this job-take
        ghost.hangUp();
        Handoff handoff = changes.enqueueAndClaim(newJob("j1"), reserved.workerId(), reserved.max(),
                T0.plus(LEASE), ordered -> reserved.give(ordered.claimed()));
        assertThat(handoff.queuedJobClaimed()).isTrue();

        assertThat(take.get(10, TimeUnit.SECONDS)).as("the job-take answers without the job").isEmpty();
        Job job = store.find("j1", clock.instant()).orElseThrow();
        assertThat(job.state()).isEqualTo(JobState.IN_QUEUE);
        assertThat(job.retries()).isZero();
        assertThat(job.workerId()).isNull();
        assertThat(heard).containsExactly("j1 IN_QUEUE");
        assertThat(ghost.closed).as("the watch ends with the job-take").isTrue();
        assertThat(workers.take("ep", "live", 1, false, Duration.ZERO)).extracting(Job::id).containsExactly("j1");
    }

    @Test
    void aParkedJobTakeWhoseClientLeftAnswersAtOnceAndIsNotReservedAgain() throws Exception {
        Connection ghost = new Connection();
        CompletableFuture<List<Job>> take = takeAsync("ghost", ghost);
        ghost.armed.get(10, TimeUnit.SECONDS);

        ghost.hangUp();

        assertThat(take.get(10, TimeUnit.SECONDS)).as("answered long before its hour").isEmpty();
        assertThat(events.takers().reserve("ep", w -> true)).isNull();
        assertThat(events.waitingTakers("ep")).isZero();
    }

    @Test
    void jobsWhoseAnswerCouldNotBeWrittenGoBackToTheQueueWithoutARetry() throws Exception {
        changes.enqueue(newJob("j1"));
        List<Job> taken = workers.take("ep", "w1", 1, false, Duration.ZERO);
        assertThat(taken).extracting(Job::id).containsExactly("j1");
        heard.clear();

        workers.unsent("ep", "w1", taken);

        Job job = store.find("j1", clock.instant()).orElseThrow();
        assertThat(job.state()).isEqualTo(JobState.IN_QUEUE);
        assertThat(job.retries()).isZero();
        assertThat(heard).containsExactly("j1 IN_QUEUE");
        assertThat(registry.snapshot("ep").get("w1").jobsInProgress()).isZero();
    }

    @Test
    void aLiveClientsJobTakeGetsItsJobAndTheWatchEnds() throws Exception {
        Connection live = new Connection();
        CompletableFuture<List<Job>> take = takeAsync("w1", live);
        Handoffs.Waiter reserved = reserveParked();

        changes.enqueueAndClaim(newJob("j1"), reserved.workerId(), reserved.max(), T0.plus(LEASE),
                ordered -> reserved.give(ordered.claimed()));

        assertThat(take.get(10, TimeUnit.SECONDS)).extracting(Job::id).containsExactly("j1");
        assertThat(live.closed).isTrue();
        assertThat(store.find("j1", clock.instant()).orElseThrow().workerId()).isEqualTo("w1");
    }

    private CompletableFuture<List<Job>> takeAsync(String workerId, Connection connection) {
        CompletableFuture<List<Job>> take = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                take.complete(workers.take("ep", workerId, 1, false, null, LONG_HOLD, connection));
            } catch (Throwable e) {
                take.completeExceptionally(e);
            }
        });
        return take;
    }

    /** The one job-take, reserved for a hand-over once it parked (as {@code /run} does). */
    private Handoffs.Waiter reserveParked() {
        AtomicReference<Handoffs.Waiter> reserved = new AtomicReference<>();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> reserved.updateAndGet(
                r -> r != null ? r : events.takers().reserve("ep", w -> true)) != null);
        return reserved.get();
    }

    private static NewJob newJob(String id) {
        return new NewJob(id, "ep", "{}", null, null, new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false),
                1, T0);
    }

    /** A job-take's connection whose client leaves when the test says so. */
    static final class Connection implements TakerConnection {
        final CompletableFuture<Runnable> armed = new CompletableFuture<>();
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public Watch watch(Runnable hungUp) {
            armed.complete(hungUp);
            return () -> closed.set(true);
        }

        void hangUp() throws Exception {
            armed.get(10, TimeUnit.SECONDS).run();
        }
    }
}
