package io.comfyfleet.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStateConflictException;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.core.queue.SweepReport;
import io.comfyfleet.gateway.config.WebhookSettings;
import io.comfyfleet.gateway.webhook.WebhookSender;
import io.comfyfleet.store.JobStores;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each job change made through {@link JobChanges} reaches the store and then sends the notices it owes. */
class JobChangesTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration NO_WAIT = Duration.ZERO;

    @TempDir
    Path dir;
    JobStore store;
    WebhookSender webhooks;
    JobEvents events;
    JobChanges changes;
    final List<String> heard = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        store = JobStores.openSqlite(dir.resolve("jobs.db"));
        webhooks = new WebhookSender(new WebhookSettings(1, Duration.ofMillis(1), Duration.ofSeconds(1), true),
                Clock.systemUTC());
        events = new JobEvents(webhooks, Map.of(), Clock.systemUTC());
        events.listen(new JobListener() {
            @Override
            public void changed(Job job) {
                heard.add(job.id() + " " + job.state());
            }
        });
        changes = new JobChanges(store, events);
    }

    @AfterEach
    void close() {
        webhooks.close();
        store.close();
    }

    @Test
    void aCancelledRunningJobIsAnnouncedAndItsWorkerToldToStop() throws InterruptedException {
        changes.enqueue(newJob("j1"));
        store.claim("ep", "w1", 1, T0, T0.plusSeconds(60));

        Job cancelled = changes.cancel("j1", T0.plusSeconds(1));

        assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
        assertThat(heard).containsExactly("j1 CANCELLED");
        assertThat(events.stops().await(JobEvents.workerKey("ep", "w1"), NO_WAIT)).containsExactly("j1");
    }

    @Test
    void aFinishedJobIsAnnouncedWithoutAStopOrderToTheWorkerThatEndedIt() throws InterruptedException {
        changes.enqueue(newJob("j1"));
        store.claim("ep", "w1", 1, T0, T0.plusSeconds(60));

        changes.finish("ep", "j1", "w1", JobState.COMPLETED, "{\"ok\":true}", null, T0.plusSeconds(1));

        assertThat(store.find("j1", T0.plusSeconds(2)).orElseThrow().state()).isEqualTo(JobState.COMPLETED);
        assertThat(heard).containsExactly("j1 COMPLETED");
        assertThat(events.stops().await(JobEvents.workerKey("ep", "w1"), NO_WAIT)).isEmpty();
    }

    @Test
    void anEndIsKnownWhileItsCommitSyncsAndTheStoreAnswersOnceCommitted() throws InterruptedException {
        changes.enqueue(newJob("j1"));
        store.claim("ep", "w1", 1, T0, T0.plusSeconds(60));
        List<Job> duringSync = new CopyOnWriteArrayList<>();
        changes = new JobChanges(finishing(store, ended -> duringSync.add(events.endingNow(ended.id())), false), events);

        try (var watch = events.watchJob("j1")) {
            Job done = changes.finish("ep", "j1", "w1", JobState.COMPLETED, "{\"ok\":true}", null, T0.plusSeconds(1));

            assertThat(duringSync).containsExactly(done);
            assertThat(watch.await(Duration.ZERO)).as("waiters on the job were woken").isTrue();
        }
        assertThat(events.endingNow("j1")).isNull();
        assertThat(heard).containsExactly("j1 COMPLETED");
    }

    @Test
    void anEndWhoseCommitFailsIsTakenBackAndTheWorkerGetsTheFailure() throws InterruptedException {
        changes.enqueue(newJob("j1"));
        store.claim("ep", "w1", 1, T0, T0.plusSeconds(60));
        List<Job> duringSync = new CopyOnWriteArrayList<>();
        changes = new JobChanges(finishing(store, ended -> duringSync.add(events.endingNow(ended.id())), true), events);

        assertThatThrownBy(() -> changes.finish("ep", "j1", "w1", JobState.COMPLETED, "{}", null, T0.plusSeconds(1)))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining("disk full");

        assertThat(duringSync).hasSize(1);
        assertThat(events.endingNow("j1")).as("no longer answered as ended").isNull();
        assertThat(heard).as("no change announced").isEmpty();
    }

    @Test
    void aRepeatedJobDoneDoesNotTakeBackTheEndOfTheFirst() {
        changes.enqueue(newJob("j1"));
        store.claim("ep", "w1", 1, T0, T0.plusSeconds(60));
        events.ending(store.find("j1", T0).orElseThrow()); // as if the first job-done's commit were syncing now

        assertThatThrownBy(() -> changes.finish("ep", "j1", "w2", JobState.COMPLETED, "{}", null, T0.plusSeconds(1)))
                .isInstanceOf(JobStateConflictException.class);

        assertThat(events.endingNow("j1")).isNotNull();
    }

    @Test
    void aRetriedJobWakesAJobTakeThatWaits() throws InterruptedException {
        changes.enqueue(newJob("j1"));
        store.claim("ep", "w1", 1, T0, T0.plusSeconds(60));
        changes.finish("ep", "j1", "w1", JobState.FAILED, null, "boom", T0.plusSeconds(1));

        try (var taker = events.takers().enter("ep", "w2", 1, Duration.ofMinutes(1))) {
            long seen = taker.generation();
            changes.retry("j1", T0.plusSeconds(2));
            // woken: the generation moved, so the wait answers at once instead of holding an hour
            assertThat(taker.await(seen, Duration.ofHours(1))).isEmpty();
            assertThat(taker.generation()).isGreaterThan(seen);
        }
        assertThat(heard).containsExactly("j1 FAILED", "j1 IN_QUEUE");
    }

    @Test
    void aStoppedWorkersJobIsHandedBackWakingAJobTakeWithoutAStopOrderOrARetry() throws InterruptedException {
        List<String> handedBack = new CopyOnWriteArrayList<>();
        events.listen(new JobListener() {
            @Override
            public void handedBack(Job job, String workerId) {
                handedBack.add(job.id() + " " + job.state() + " retries " + job.retries() + " from " + workerId
                        + " now on " + job.workerId());
            }
        });
        changes.enqueue(newJob("j1"));
        store.claim("ep", "w1", 1, T0, T0.plusSeconds(60));

        try (var taker = events.takers().enter("ep", "w2", 1, Duration.ofMinutes(1))) {
            long seen = taker.generation();
            assertThat(changes.handBack("w1", T0.plusSeconds(2))).extracting(Job::id).containsExactly("j1");
            assertThat(taker.await(seen, Duration.ofHours(1))).isEmpty();
            assertThat(taker.generation()).as("woken").isGreaterThan(seen);
        }
        assertThat(handedBack).containsExactly("j1 IN_QUEUE retries 0 from w1 now on null");
        assertThat(heard).as("listeners that do not tell it apart hear a change").containsExactly("j1 IN_QUEUE");
        assertThat(events.stops().await(JobEvents.workerKey("ep", "w1"), NO_WAIT)).as("nobody to tell").isEmpty();
    }

    @Test
    void aSweepAnnouncesEachChangeAndStopsTheJobsItEnded() throws InterruptedException {
        Job requeued = job("j1", JobState.IN_QUEUE, "w1");
        Job failed = job("j2", JobState.FAILED, "w2");
        Job timedOut = job("j3", JobState.TIMED_OUT, "w3");

        changes.swept(new SweepReport(T0, List.of(requeued), List.of(failed), List.of(timedOut), 0));

        assertThat(heard).containsExactly("j1 IN_QUEUE", "j2 FAILED", "j3 TIMED_OUT");
        assertThat(events.stops().await(JobEvents.workerKey("ep", "w1"), NO_WAIT)).isEmpty();
        assertThat(events.stops().await(JobEvents.workerKey("ep", "w2"), NO_WAIT)).containsExactly("j2");
        assertThat(events.stops().await(JobEvents.workerKey("ep", "w3"), NO_WAIT)).containsExactly("j3");
    }

    @Test
    void onlyJobsNoLongerRunningForTheWorkerGetAStopOrder() throws InterruptedException {
        changes.enqueue(newJob("j1"));
        changes.enqueue(newJob("j2"));
        store.claim("ep", "w1", 2, T0, T0.plusSeconds(60));
        changes.cancel("j2", T0.plusSeconds(1));
        events.stops().await(JobEvents.workerKey("ep", "w1"), NO_WAIT); // the cancel's own order

        changes.stopThoseNotRunning("ep", "w1", List.of("j1", "j2", "j-unknown"));

        assertThat(events.stops().await(JobEvents.workerKey("ep", "w1"), NO_WAIT))
                .containsExactlyInAnyOrder("j2", "j-unknown");
    }

    /**
     * The store, whose seven-argument finish also calls {@code duringSync} right after the ordered listener (where
     * SQLite's commit syncs), and with {@code commitFails} then fails as a commit that could not be written.
     */
    private static JobStore finishing(JobStore real, Consumer<Job> duringSync, boolean commitFails) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("finish") && args.length == 8) {
                @SuppressWarnings("unchecked")
                Consumer<Job> ordered = (Consumer<Job>) args[7];
                args[7] = (Consumer<Job>) ended -> {
                    ordered.accept(ended);
                    duringSync.accept(ended);
                };
                Object result = method.invoke(real, args);
                if (commitFails) {
                    throw new JobStoreException("finish job " + args[1] + ": disk full; nothing of this commit was written");
                }
                return result;
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(), new Class<?>[] {JobStore.class},
                handler);
    }

    private static NewJob newJob(String id) {
        return new NewJob(id, "ep", "{}", null, null, policy(), 1, T0);
    }

    private static JobPolicy policy() {
        return new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false);
    }

    private static Job job(String id, JobState state, String workerId) {
        return new Job(id, "ep", state, "{}", null, null, policy(), 1, null, null, workerId, 0, T0, T0,
                state.isTerminal() ? T0 : null, null, T0.plus(Duration.ofHours(1)));
    }
}
