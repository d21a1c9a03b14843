package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.core.webhook.WebhookBodies;
import io.comfyfleet.core.webhook.WebhookOutbox;
import io.comfyfleet.core.webhook.WebhookOutbox.Entry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What every store's webhook outbox must do, run against each database by a subclass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WebhookOutboxContractTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    protected JobStore store;
    protected WebhookOutbox outbox;

    /** Opens the store under test (once per class). */
    protected abstract JobStore openStore() throws Exception;

    /** Closes the store and opens it again on the same database, as a gateway restart does. */
    protected abstract JobStore reopen(JobStore store) throws Exception;

    @BeforeAll
    void open() throws Exception {
        store = openStore();
        outbox = store.webhookOutbox().orElseThrow();
    }

    @AfterAll
    void close() {
        store.close();
    }

    /** Names the job, its state and the time: a test can tell which change made a call. */
    static final WebhookBodies BODIES = (job, now) ->
            (job.id() + " " + job.state() + " " + now.toEpochMilli()).getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void empty() {
        outbox.pending(10_000).forEach(e -> outbox.remove(e.id()));
        outbox.storeCallsWith(BODIES);
    }

    @Test
    void anAddedCallIsPendingWithItsBytesUntilRemoved() {
        byte[] body = "{\"id\":\"j1\",\"status\":\"COMPLETED\",\"x\":\"\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        long id = outbox.add("j1", "ep1", "https://hooks.example.com/done", body, T0);

        List<Entry> pending = outbox.pending(10);
        assertThat(pending).hasSize(1);
        Entry entry = pending.getFirst();
        assertThat(entry.id()).isEqualTo(id);
        assertThat(entry.jobId()).isEqualTo("j1");
        assertThat(entry.endpoint()).isEqualTo("ep1");
        assertThat(entry.url()).isEqualTo("https://hooks.example.com/done");
        assertThat(entry.body()).isEqualTo(body);
        assertThat(entry.createdAt()).isEqualTo(T0);

        assertThat(outbox.remove(id)).isTrue();
        assertThat(outbox.remove(id)).isFalse();
        assertThat(outbox.pending(10)).isEmpty();
    }

    @Test
    void pendingCallsComeOldestFirstUpToTheLimit() {
        long a = outbox.add("a", "ep1", "https://h/a", new byte[] {1}, T0);
        long b = outbox.add("b", "ep1", "https://h/b", new byte[] {2}, T0.plusMillis(1));
        outbox.add("c", "ep2", "https://h/c", new byte[] {3}, T0.plusMillis(2));

        assertThat(outbox.pending(2)).extracting(Entry::id).containsExactly(a, b);
        assertThat(outbox.pending(10)).extracting(Entry::jobId).containsExactly("a", "b", "c");
    }

    @Test
    void pendingCallsSurviveARestart() throws Exception {
        outbox.add("kept", "ep1", "https://h/kept", new byte[] {7, 8}, T0);
        store = reopen(store);
        outbox = store.webhookOutbox().orElseThrow();

        assertThat(outbox.pending(10)).singleElement().satisfies(e -> {
            assertThat(e.jobId()).isEqualTo("kept");
            assertThat(e.body()).containsExactly(7, 8);
        });
    }

    @Test
    void everyChangeThatEndsAJobStoresItsCallWithIt() {
        String ep = "ends";
        Instant t = TestJobs.at(10);
        Job completed = store.finish(ep, taken("end-completed", ep, 2), "w1", JobState.COMPLETED, "{}", null, t);
        Job failed = store.finish(ep, taken("end-failed", ep, 2), "w1", JobState.FAILED, null, "boom", t);
        store.enqueue(TestJobs.job("end-cancel-queued").endpoint(ep + "-q").build());
        Job cancelledQueued = store.cancel("end-cancel-queued", t);
        Job cancelledRunning = store.cancel(taken("end-cancel-running", ep, 2), t);
        assertThat(List.of(completed, failed, cancelledQueued, cancelledRunning))
                .allSatisfy(job -> assertThat(outbox.pendingFor(job.id())).singleElement().satisfies(e -> {
                    assertThat(e.body()).asString(StandardCharsets.UTF_8)
                            .isEqualTo(job.id() + " " + job.state() + " " + t.toEpochMilli());
                    assertThat(e.url()).isEqualTo(job.webhook());
                    assertThat(e.endpoint()).isEqualTo(job.endpoint());
                    assertThat(e.createdAt()).isEqualTo(t);
                }));

        taken("end-timeout", ep + "-t", 2);
        Instant late = TestJobs.at(3600);
        assertThat(store.timeOutOverdue(late)).extracting(Job::id).contains("end-timeout");
        assertThat(outbox.pendingFor("end-timeout")).singleElement().satisfies(e -> assertThat(e.body())
                .asString(StandardCharsets.UTF_8).isEqualTo("end-timeout TIMED_OUT " + late.toEpochMilli()));

        // a lost worker's job with retries left goes back to the queue: not an end, no call
        taken("end-lost-requeued", ep + "-l1", 1);
        taken("end-lost-failed", ep + "-l2", 0);
        Instant expired = TestJobs.at(20);
        store.expireLeases(expired);
        assertThat(store.find("end-lost-requeued", expired).orElseThrow().state()).isEqualTo(JobState.IN_QUEUE);
        assertThat(outbox.pendingFor("end-lost-requeued")).isEmpty();
        assertThat(outbox.pendingFor("end-lost-failed")).singleElement().satisfies(e -> assertThat(e.body())
                .asString(StandardCharsets.UTF_8).isEqualTo("end-lost-failed FAILED " + expired.toEpochMilli()));
    }

    @Test
    void aJobWithoutAWebhookEndsWithoutACall() {
        store.enqueue(new NewJob("no-hook", "no-hook", "{}", null, null,
                new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(1), false), 0, T0));
        store.claim("no-hook", "w1", 1, TestJobs.at(1), TestJobs.at(5));
        store.finish("no-hook", "no-hook", "w1", JobState.COMPLETED, "{}", null, TestJobs.at(2));
        assertThat(outbox.pending(10)).isEmpty();
    }

    /**
     * The end and its call are one transaction: a call that cannot be stored leaves the job as it was, so
     * there is no moment (no crash) at which a job has ended and its call is not stored.
     */
    @Test
    void aJobEndsOnlyTogetherWithItsCall() {
        String id = taken("atomic", "atomic", 2);
        outbox.storeCallsWith((job, now) -> {
            throw new IllegalStateException("no body for " + job.id());
        });
        assertThatThrownBy(() -> store.finish("atomic", id, "w1", JobState.COMPLETED, "{}", null, TestJobs.at(3)))
                .hasMessageContaining("no body for atomic");
        assertThatThrownBy(() -> store.cancel(id, TestJobs.at(3))).hasMessageContaining("no body for atomic");
        assertThat(store.find(id, TestJobs.at(3)).orElseThrow().state()).isEqualTo(JobState.IN_PROGRESS);
        assertThat(store.counts("atomic").completed()).isZero();
        assertThat(outbox.pendingFor(id)).isEmpty();

        outbox.storeCallsWith(BODIES);
        store.finish("atomic", id, "w1", JobState.COMPLETED, "{}", null, TestJobs.at(4));
        assertThat(outbox.pendingFor(id)).hasSize(1);
        assertThat(store.counts("atomic").completed()).isEqualTo(1);
    }

    /**
     * Several gateways share the outbox: a claimed call is left alone by every other sender until its claim runs out
     * or is released; a call stored with a job's end is left to the gateway that ended the job for the hand-over time.
     */
    @Test
    void aClaimedCallIsLeftToItsSenderUntilTheClaimRunsOutOrIsReleased() {
        long id = outbox.add("claimed", "ep1", "https://h/claimed", new byte[] {1}, T0);
        assertThat(outbox.unclaimed(10, T0)).as("handed over to the gateway that stored it").isEmpty();
        assertThat(outbox.claim(id, "g1", T0.plusSeconds(60), T0)).as("its own gateway").isTrue();
        assertThat(outbox.claim(id, "g2", T0.plusSeconds(60), T0.plusSeconds(1))).as("another one").isFalse();
        assertThat(outbox.claim(id, "g1", T0.plusSeconds(90), T0.plusSeconds(30))).as("renewed by its sender").isTrue();

        assertThat(outbox.unclaimed(10, T0.plusSeconds(89))).isEmpty();
        assertThat(outbox.unclaimed(10, T0.plusSeconds(90))).as("g1 died").extracting(Entry::id).containsExactly(id);
        assertThat(outbox.claim(id, "g2", T0.plusSeconds(150), T0.plusSeconds(90))).as("taken over").isTrue();
        assertThat(outbox.claim(id, "g1", T0.plusSeconds(160), T0.plusSeconds(100))).as("g1 came back").isFalse();

        outbox.release(id, "g1");
        assertThat(outbox.unclaimed(10, T0.plusSeconds(100))).as("only its holder releases it").isEmpty();
        outbox.release(id, "g2");
        assertThat(outbox.unclaimed(10, T0.plusSeconds(100))).as("released").extracting(Entry::id).containsExactly(id);
        assertThat(outbox.claim(id, "g3", T0.plusSeconds(160), T0.plusSeconds(100))).isTrue();
        assertThat(outbox.takeOver(id, "g4", T0.plusSeconds(170))).as("a starting gateway takes it over").isTrue();
        assertThat(outbox.claim(id, "g3", T0.plusSeconds(180), T0.plusSeconds(110))).isFalse();

        outbox.remove(id);
        assertThat(outbox.claim(id, "g4", T0.plusSeconds(180), T0.plusSeconds(110))).as("delivered: gone").isFalse();
        assertThat(outbox.takeOver(id, "g4", T0.plusSeconds(180))).isFalse();
    }

    @Test
    void aCallStoredWithAJobsEndIsUnclaimedOnlyAfterItsHandOver() {
        Instant t = TestJobs.at(10);
        String id = taken("hand-over", "hand-over", 2);
        store.finish("hand-over", id, "w1", JobState.COMPLETED, "{}", null, t);
        assertThat(outbox.unclaimed(10, t.plus(WebhookOutbox.HAND_OVER).minusMillis(1))).isEmpty();
        assertThat(outbox.unclaimed(10, t.plus(WebhookOutbox.HAND_OVER))).extracting(Entry::jobId).containsExactly(id);
        long call = outbox.pendingFor(id).getFirst().id();
        assertThat(outbox.claim(call, "ending-gateway", t.plusSeconds(60), t)).as("claimed by the gateway that ended it")
                .isTrue();
        assertThat(outbox.unclaimed(10, t.plus(WebhookOutbox.HAND_OVER))).isEmpty();
    }

    /** Enqueues a job with a webhook on its own endpoint and hands it to worker w1, leased until second 5. */
    private String taken(String id, String endpoint, int maxRetries) {
        store.enqueue(TestJobs.job(id).endpoint(endpoint).maxRetries(maxRetries).build());
        assertThat(store.claim(endpoint, "w1", 1, TestJobs.at(1), TestJobs.at(5))).extracting(Job::id)
                .containsExactly(id);
        return id;
    }
}
