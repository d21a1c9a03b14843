package io.comfyfleet.store;

import static io.comfyfleet.core.job.JobState.CANCELLED;
import static io.comfyfleet.core.job.JobState.COMPLETED;
import static io.comfyfleet.core.job.JobState.FAILED;
import static io.comfyfleet.core.job.JobState.IN_PROGRESS;
import static io.comfyfleet.core.job.JobState.IN_QUEUE;
import static io.comfyfleet.core.job.JobState.TIMED_OUT;
import static io.comfyfleet.store.TestJobs.EP;
import static io.comfyfleet.store.TestJobs.T0;
import static io.comfyfleet.store.TestJobs.at;
import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.Handoff;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStateConflictException;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobIdTakenException;
import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.core.job.JobTimes;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.core.job.StreamChunk;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link JobStore} must have, run against each database by a subclass. The subclass
 * opens one store per class; every test starts from empty tables. All times are fixed instants.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JobStoreContractTest {
    private static final Instant LEASE = at(30);

    protected JobStore store;

    /** Opens the store under test (once per class). */
    protected abstract JobStore openStore() throws Exception;

    /** Deletes every row of the store's tables, totals included, behind the store's back. */
    protected abstract void deleteAllRows() throws Exception;

    @BeforeAll
    void open() throws Exception {
        store = openStore();
    }

    @AfterAll
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    @BeforeEach
    void empty() throws Exception {
        deleteAllRows();
    }

    private Job enqueue(String id) {
        return store.enqueue(job(id).build());
    }

    /** A job taken by worker w1 at T0+1s, leased until T0+30s. */
    private Job running(String id) {
        return running(job(id));
    }

    /** Created an hour before T0, so it is the oldest queued job and the claim takes it whatever else waits. */
    private Job running(TestJobs job) {
        store.enqueue(job.createdAt(T0.minusSeconds(3600)).build());
        List<Job> claimed = store.claim(EP, "w1", 1, at(1), LEASE);
        assertThat(claimed).extracting(Job::id).containsExactly(job.id());
        return claimed.getFirst();
    }

    private Job inState(String id, JobState state) {
        return switch (state) {
            case IN_QUEUE -> enqueue(id);
            case IN_PROGRESS -> running(id);
            case COMPLETED -> {
                running(id);
                yield store.finish(EP, id, "w1", COMPLETED, "{\"ok\":1}", null, at(2));
            }
            case FAILED -> {
                running(id);
                yield store.finish(EP, id, "w1", FAILED, null, "boom", at(2));
            }
            case CANCELLED -> {
                enqueue(id);
                yield store.cancel(id, at(2));
            }
            case TIMED_OUT -> {
                running(job(id).executionTimeout(Duration.ofSeconds(5)));
                List<Job> timedOut = store.timeOutOverdue(at(7));
                assertThat(timedOut).extracting(Job::id).containsExactly(id);
                yield timedOut.getFirst();
            }
        };
    }

    // ---- enqueue and find ----

    @Test
    void enqueueStoresAQueuedJobWithEveryField() {
        NewJob in = job("j1").build();
        Job stored = store.enqueue(in);

        assertThat(stored.state()).isEqualTo(IN_QUEUE);
        assertThat(stored).usingRecursiveComparison().comparingOnlyFields(
                "id", "endpoint", "inputJson", "webhook", "s3ConfigJson", "policy", "maxRetries", "createdAt")
                .isEqualTo(in);
        assertThat(stored.expiresAt()).isEqualTo(T0.plus(Duration.ofHours(24)));
        assertThat(stored.retries()).isZero();
        assertThat(stored.workerId()).isNull();
        assertThat(stored.startedAt()).isNull();
        assertThat(stored.outputJson()).isNull();
        assertThat(store.find("j1", at(5))).contains(stored);
        assertThat(stored.delayTimeMillis(at(5))).isEqualTo(5_000);
    }

    @Test
    void enqueueAnswersTheJobExactlyAsItIsStoredToTheMillisecond() {
        Instant created = T0.plusNanos(1_234_567);
        Job stored = store.enqueue(job("j1").createdAt(created)
                .executionTimeout(Duration.ofNanos(60_000_900_000L)).ttl(Duration.ofNanos(3_600_000_700_000L)).build());

        assertThat(stored.createdAt()).isEqualTo(T0.plusMillis(1));
        assertThat(stored.policy().executionTimeout()).isEqualTo(Duration.ofMillis(60_000));
        assertThat(stored.policy().ttl()).isEqualTo(Duration.ofMillis(3_600_000));
        assertThat(stored.expiresAt()).isEqualTo(T0.plusMillis(1 + 3_600_000));
        assertThat(store.find("j1", at(5))).contains(stored);
    }

    @Test
    void findOfAnUnknownIdIsEmpty() {
        assertThat(store.find("nope", T0)).isEmpty();
    }

    @Test
    void aJobIsGoneOnceItsTtlRunsOut() {
        store.enqueue(job("j1").ttl(Duration.ofSeconds(10)).build());

        assertThat(store.find("j1", at(10).minusMillis(1))).isPresent();
        assertThat(store.find("j1", at(10))).isEmpty();
    }

    @Test
    void aTakenJobIdIsRefused() {
        enqueue("j1");
        assertThatThrownBy(() -> enqueue("j1"))
                .isInstanceOf(JobIdTakenException.class)
                .hasMessageContaining("j1 is already taken")
                .extracting(e -> ((JobIdTakenException) e).jobId()).isEqualTo("j1");
        // handed to a waiting worker in the same transaction: refused alike, and nothing claimed
        assertThatThrownBy(() -> store.enqueueAndClaim(job("j1").build(), "w1", 1, at(30)))
                .isInstanceOf(JobIdTakenException.class);
        assertThat(store.counts(EP).inQueue()).isEqualTo(1);
        assertThat(store.counts(EP).inProgress()).isZero();
    }

    @Test
    @Timeout(60)
    void concurrentEnqueuesFailOnlyTheDuplicates() throws Exception {
        // writes that share a commit (SQLite's group commit) must not share a failure
        int threads = 8;
        int each = 40;
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        // every other thread reuses the ids of the thread before it: half the attempts collide
                        String id = "d" + (thread - thread % 2) + "-" + i;
                        try {
                            store.enqueue(job(id).build());
                        } catch (JobStoreException e) {
                            assertThat(e).hasMessageContaining(id + " is already taken");
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(50, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int unique = threads / 2 * each;
        assertThat(refused).hasValue(threads * each - unique);
        assertThat(store.counts(EP).inQueue()).isEqualTo(unique);
        for (int t = 0; t < threads; t += 2) {
            assertThat(store.find("d" + t + "-" + (each - 1), at(1))).isPresent();
        }
    }

    @Test
    void aMalformedNewJobIsRefusedWithWhatToChange() {
        assertThatThrownBy(() -> store.enqueue(job("bad id!").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"bad id!\"");
        assertThatThrownBy(() -> store.enqueue(job("j1").maxRetries(-1).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRetries");
        NewJob noInput = new NewJob("j2", EP, null, null, null, job("j2").build().policy(), 0, T0);
        assertThatThrownBy(() -> store.enqueue(noInput))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input");
    }

    // ---- claim ----

    @Test
    void claimTakesTheOldestQueuedJobsAndLeasesThem() {
        store.enqueue(job("late").createdAt(at(3)).build());
        store.enqueue(job("early").createdAt(at(1)).build());
        store.enqueue(job("middle").createdAt(at(2)).build());

        List<Job> claimed = store.claim(EP, "w1", 2, at(10), at(40));

        assertThat(claimed).extracting(Job::id).containsExactly("early", "middle");
        assertThat(claimed).allSatisfy(j -> {
            assertThat(j.state()).isEqualTo(IN_PROGRESS);
            assertThat(j.workerId()).isEqualTo("w1");
            assertThat(j.startedAt()).isEqualTo(at(10));
            assertThat(j.leaseUntil()).isEqualTo(at(40));
        });
        assertThat(claimed.getFirst().delayTimeMillis(at(99))).isEqualTo(9_000);
        assertThat(store.find("late", at(10)).orElseThrow().state()).isEqualTo(IN_QUEUE);
    }

    @Test
    void claimTakesOnlyTheNamedEndpoint() {
        store.enqueue(job("a").endpoint("other").build());
        enqueue("b");

        assertThat(store.claim(EP, "w1", 5, at(1), LEASE)).extracting(Job::id).containsExactly("b");
        assertThat(store.claim(EP, "w1", 5, at(1), LEASE)).isEmpty();
    }

    @Test
    void claimSkipsJobsWhoseTtlRanOut() {
        store.enqueue(job("old").ttl(Duration.ofSeconds(10)).build());
        enqueue("fresh");

        assertThat(store.claim(EP, "w1", 5, at(10), at(40))).extracting(Job::id).containsExactly("fresh");
    }

    // ---- claim named jobs (model-affinity routing) ----

    @Test
    void theQueueHeadListsLiveQueuedJobsOldestFirstAndChangesNothing() {
        store.enqueue(job("late").createdAt(at(3)).build());
        store.enqueue(job("early").createdAt(at(1)).build());
        store.enqueue(job("gone").createdAt(at(0)).ttl(Duration.ofSeconds(5)).build());
        store.enqueue(job("other").endpoint("other").createdAt(at(0)).build());
        store.enqueue(job("taken").createdAt(at(2)).build());
        store.claimJobs(EP, "w0", List.of("taken"), at(4), at(40));

        assertThat(store.queuedHead(EP, 10, at(10))).extracting(Job::id).containsExactly("early", "late");
        assertThat(store.queuedHead(EP, 1, at(10))).extracting(Job::id).containsExactly("early");
        assertThat(store.find("early", at(10)).orElseThrow().state()).isEqualTo(IN_QUEUE);
    }

    @Test
    void claimingNamedJobsTakesThoseStillQueuedOfTheEndpointAndLeasesThem() {
        store.enqueue(job("a").createdAt(at(1)).build());
        store.enqueue(job("b").createdAt(at(2)).build());
        store.enqueue(job("c").createdAt(at(3)).build());
        store.enqueue(job("x").endpoint("other").build());
        assertThat(store.claimJobs(EP, "w1", List.of("a"), at(5), at(40))).extracting(Job::id).containsExactly("a");

        List<Job> claimed = store.claimJobs(EP, "w2", List.of("c", "a", "x", "nope"), at(6), at(50));

        assertThat(claimed).as("a is w1's, x another endpoint's").extracting(Job::id).containsExactly("c");
        assertThat(claimed.getFirst().workerId()).isEqualTo("w2");
        assertThat(claimed.getFirst().leaseUntil()).isEqualTo(at(50));
        assertThat(claimed.getFirst().startedAt()).isEqualTo(at(6));
        assertThat(store.find("a", at(6)).orElseThrow().workerId()).isEqualTo("w1");
        assertThat(store.find("b", at(6)).orElseThrow().state()).isEqualTo(IN_QUEUE);
        assertThat(store.claimJobs(EP, "w2", List.of(), at(6), at(50))).isEmpty();
    }

    @Test
    void ofClaimersRacingForTheSameNamedJobsEachJobGoesToExactlyOne() throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add("r" + i);
            store.enqueue(job("r" + i).createdAt(at(i)).build());
        }
        int claimers = 4;
        java.util.concurrent.ConcurrentHashMap<String, String> owner = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger duplicates = new java.util.concurrent.atomic.AtomicInteger();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(claimers)) {
            for (int w = 0; w < claimers; w++) {
                String worker = "w" + w;
                List<String> order = new java.util.ArrayList<>(ids);
                java.util.Collections.shuffle(order, new java.util.Random(w));
                pool.submit(() -> {
                    for (int i = 0; i < order.size(); i += 5) {
                        for (Job j : store.claimJobs(EP, worker, order.subList(i, Math.min(order.size(), i + 5)),
                                at(100), at(200))) {
                            if (owner.putIfAbsent(j.id(), worker) != null) {
                                duplicates.incrementAndGet();
                            }
                        }
                    }
                    return null;
                });
            }
        }
        assertThat(duplicates).hasValue(0);
        assertThat(owner.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void claimRefusesAMaxBelowOne() {
        assertThatThrownBy(() -> store.claim(EP, "w1", 0, T0, LEASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max=0");
    }

    @Test
    @Timeout(60)
    void concurrentClaimersTakeEveryJobExactlyOnce() throws Exception {
        int jobs = 500;
        int claimers = 8;
        for (int i = 0; i < jobs; i++) {
            store.enqueue(job("c" + i).createdAt(T0.plusMillis(i)).build());
        }
        Map<String, String> owner = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(claimers);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int w = 0; w < claimers; w++) {
                String worker = "w" + w;
                int batch = 1 + w % 3;
                results.add(pool.submit(() -> {
                    start.await();
                    int taken = 0;
                    List<Job> claimed;
                    while (!(claimed = store.claim(EP, worker, batch, at(1), LEASE)).isEmpty()) {
                        for (Job j : claimed) {
                            if (owner.putIfAbsent(j.id(), worker) != null) {
                                duplicates.incrementAndGet();
                            }
                            assertThat(j.workerId()).isEqualTo(worker);
                        }
                        taken += claimed.size();
                    }
                    return taken;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(50, TimeUnit.SECONDS);
            }
            assertThat(duplicates).hasValue(0);
            assertThat(total).isEqualTo(jobs);
            assertThat(owner).hasSize(jobs);
            assertThat(store.counts(EP)).isEqualTo(new JobCounts(0, jobs, 0, 0, 0));
            assertThat(new java.util.HashSet<>(owner.values())).as("work spread over claimers").hasSizeGreaterThan(1);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- enqueue and claim in one transaction (a worker already waits) ----

    @Test
    void enqueueAndClaimHandsTheNewJobToTheWaitingWorker() {
        Handoff handoff = store.enqueueAndClaim(job("j1").createdAt(at(5)).build(), "w1", 1, at(35));

        assertThat(handoff.queued().id()).isEqualTo("j1");
        assertThat(handoff.queued().state()).isEqualTo(IN_QUEUE);
        assertThat(handoff.queuedJobClaimed()).isTrue();
        Job claimed = handoff.claimed().getFirst();
        assertThat(claimed.state()).isEqualTo(IN_PROGRESS);
        assertThat(claimed.workerId()).isEqualTo("w1");
        assertThat(claimed.startedAt()).isEqualTo(at(5));
        assertThat(claimed.leaseUntil()).isEqualTo(at(35));
        assertThat(store.find("j1", at(6)).orElseThrow().state()).isEqualTo(IN_PROGRESS);
        assertThat(store.claim(EP, "w2", 1, at(6), LEASE)).isEmpty();
    }

    @Test
    void enqueueAndClaimTakesOlderJobsFirstAndLeavesTheNewOneQueued() {
        store.enqueue(job("older").createdAt(at(1)).build());

        Handoff handoff = store.enqueueAndClaim(job("newer").createdAt(at(2)).build(), "w1", 1, LEASE);

        assertThat(handoff.claimed()).extracting(Job::id).containsExactly("older");
        assertThat(handoff.queuedJobClaimed()).isFalse();
        assertThat(store.find("newer", at(3)).orElseThrow().state()).isEqualTo(IN_QUEUE);
        assertThat(store.enqueueAndClaim(job("third").createdAt(at(3)).build(), "w2", 5, LEASE).claimed())
                .extracting(Job::id).containsExactly("newer", "third");
    }

    @Test
    void aWorkerHandedItsJobByTheOrderedListenerMayWriteAboutItAtOnce() throws Exception {
        List<Handoff> heard = new ArrayList<>();
        CompletableFuture<Boolean> progress = new CompletableFuture<>();

        Handoff handoff = store.enqueueAndClaim(job("j1").createdAt(at(5)).build(), "w1", 1, at(35), h -> {
            heard.add(h);
            // what the woken worker does next, from its own thread: on SQLite this is before the commit synced
            Thread.ofVirtual().start(() ->
                    progress.complete(store.recordProgress(EP, "j1", "w1", "\"step 1\"", at(40))));
        });

        assertThat(heard).containsExactly(handoff);
        assertThat(progress.get(10, TimeUnit.SECONDS)).as("the worker's write lands after the job's").isTrue();
        Job job = store.find("j1", at(6)).orElseThrow();
        assertThat(job.outputJson()).isEqualTo("\"step 1\"");
        assertThat(job.leaseUntil()).isEqualTo(at(40));
    }

    @Test
    void aRefusedEnqueueAndClaimClaimsNothing() {
        store.enqueue(job("queued").createdAt(at(1)).build());
        store.enqueue(job("dup").createdAt(at(2)).build());

        assertThatThrownBy(() -> store.enqueueAndClaim(job("dup").createdAt(at(3)).build(), "w1", 2, LEASE))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining("dup");
        assertThat(store.find("queued", at(4)).orElseThrow().state()).isEqualTo(IN_QUEUE);
        assertThatThrownBy(() -> store.enqueueAndClaim(job("j9").build(), "w1", 0, LEASE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.find("j9", at(4))).as("a bad claim stores no job").isEmpty();
    }

    // ---- unclaim: jobs a worker never received ----

    @Test
    void unclaimPutsAJobBackAsBeforeItsClaimWithoutCountingARetry() {
        Handoff handoff = store.enqueueAndClaim(job("j1").createdAt(at(5)).build(), "w1", 1, at(35));
        assertThat(handoff.queuedJobClaimed()).isTrue();

        List<Job> back = store.unclaim("w1", List.of("j1"));

        assertThat(back).extracting(Job::id).containsExactly("j1");
        Job job = store.find("j1", at(6)).orElseThrow();
        assertThat(job).isEqualTo(back.getFirst());
        assertThat(job.state()).isEqualTo(IN_QUEUE);
        assertThat(job.retries()).isZero();
        assertThat(job.workerId()).isNull();
        assertThat(job.startedAt()).isNull();
        assertThat(job.leaseUntil()).isNull();
        assertThat(store.counts(EP).retried()).isZero();
        assertThat(store.expireLeases(at(60))).as("no lease left to run out").isEmpty();
        assertThat(store.claim(EP, "w2", 1, at(7), LEASE)).extracting(Job::id).containsExactly("j1");
    }

    @Test
    void unclaimTakesBackOnlyJobsStillRunningForThatWorker() {
        running("mine");
        store.enqueue(job("queued").build());
        inState("done", COMPLETED);

        assertThat(store.unclaim("w2", List.of("mine"))).as("held by w1").isEmpty();
        assertThat(store.unclaim("w1", List.of("queued", "done", "unknown"))).isEmpty();
        assertThat(store.unclaim("w1", List.of())).isEmpty();

        assertThat(store.find("mine", at(2)).orElseThrow().state()).isEqualTo(IN_PROGRESS);
        assertThat(store.find("queued", at(2)).orElseThrow().state()).isEqualTo(IN_QUEUE);
        assertThat(store.find("done", at(2)).orElseThrow().state()).isEqualTo(COMPLETED);
    }

    // ---- TTL set after submission (/status?ttl=) ----

    @Test
    void aNewTtlCountsFromSubmissionInAnyState() {
        running("j1"); // created an hour before T0
        enqueue("j2");

        Job longer = store.setTtl("j1", Duration.ofHours(48), at(10)).orElseThrow();
        assertThat(longer.expiresAt()).isEqualTo(T0.minusSeconds(3600).plus(Duration.ofHours(48)));
        assertThat(longer.policy().ttl()).isEqualTo(Duration.ofHours(48));
        assertThat(longer.state()).isEqualTo(IN_PROGRESS);
        assertThat(store.setTtl("j2", Duration.ofSeconds(20), at(10))).hasValueSatisfying(
                j -> assertThat(j.expiresAt()).isEqualTo(at(20)));
        assertThat(store.find("j2", at(21))).as("gone once the new TTL ran out").isEmpty();
    }

    @Test
    void aTtlThatAlreadyRanOutEndsTheJobAndAnUnknownJobHasNone() {
        enqueue("j1");

        assertThat(store.setTtl("j1", Duration.ofSeconds(10), at(60))).isEmpty();
        assertThat(store.find("j1", at(60))).isEmpty();
        assertThat(store.setTtl("nope", Duration.ofSeconds(10), at(1))).isEmpty();
        assertThatThrownBy(() -> store.setTtl("j1", Duration.ZERO, at(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- progress and stream ----

    @Test
    void progressIsShownAsOutputAndRenewsTheLease() {
        running("j1");

        assertThat(store.recordProgress(EP, "j1", "w1", "\"step 1/3\"", at(50))).isTrue();

        Job job = store.find("j1", at(2)).orElseThrow();
        assertThat(job.outputJson()).isEqualTo("\"step 1/3\"");
        assertThat(job.leaseUntil()).isEqualTo(at(50));
        assertThat(job.state()).isEqualTo(IN_PROGRESS);
    }

    @Test
    void progressFromAnotherWorkerOrAfterTheEndIsIgnored() {
        running("j1");
        assertThat(store.recordProgress(EP, "j1", "w2", "\"w2\"", at(50))).isFalse();
        store.finish(EP, "j1", "w1", COMPLETED, "{\"done\":true}", null, at(3));

        assertThat(store.recordProgress(EP, "j1", "w1", "\"late\"", at(50))).isFalse();
        assertThat(store.recordProgress(EP, "nope", "w1", "\"x\"", at(50))).isFalse();
        Job job = store.find("j1", at(4)).orElseThrow();
        assertThat(job.outputJson()).isEqualTo("{\"done\":true}");
        assertThat(job.state()).isEqualTo(COMPLETED);
    }

    @Test
    void streamChunksAreKeptInOrderAndReadAfterACursor() {
        running("j1");
        for (int i = 1; i <= 5; i++) {
            assertThat(store.appendStream(EP, "j1", "w1", "\"t" + i + "\"", at(40 + i))).isTrue();
        }

        assertThat(store.streamAfter("j1", 0, 100)).containsExactly(
                new StreamChunk(1, "\"t1\""), new StreamChunk(2, "\"t2\""), new StreamChunk(3, "\"t3\""),
                new StreamChunk(4, "\"t4\""), new StreamChunk(5, "\"t5\""));
        assertThat(store.streamAfter("j1", 2, 2)).extracting(StreamChunk::seq).containsExactly(3L, 4L);
        assertThat(store.streamAfter("j1", 5, 10)).isEmpty();
        assertThat(store.find("j1", at(2)).orElseThrow().leaseUntil()).as("a chunk renews the lease")
                .isEqualTo(at(45));
    }

    @Test
    @Timeout(30)
    void concurrentChunksGetGaplessSeqsInEachWritersOrder() throws Exception {
        running("j1");
        int writers = 4;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        assertThat(store.appendStream(EP, "j1", "w1", "\"" + writer + ":" + i + "\"", LEASE)).isTrue();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(25, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<StreamChunk> chunks = store.streamAfter("j1", 0, 1000);
        assertThat(chunks).extracting(StreamChunk::seq)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, writers * each).mapToObj(i -> (long) i).toList());
        for (int w = 0; w < writers; w++) {
            String prefix = "\"" + w + ":";
            assertThat(chunks.stream().map(StreamChunk::outputJson).filter(s -> s.startsWith(prefix)).toList())
                    .containsExactlyElementsOf(IntStream.range(0, each).mapToObj(i -> prefix + i + "\"").toList());
        }
    }

    @Test
    void drainingHandsOutEachChunkOnceAndKeepsTheCursorInTheStore() {
        running("j1");
        store.appendStream(EP, "j1", "w1", "\"a\"", LEASE);
        store.appendStream(EP, "j1", "w1", "\"b\"", LEASE);
        store.appendStream(EP, "j1", "w1", "\"c\"", LEASE);

        assertThat(store.drainStream("j1", 2)).extracting(StreamChunk::outputJson).containsExactly("\"a\"", "\"b\"");
        assertThat(store.drainStream("j1", 10)).containsExactly(new StreamChunk(3, "\"c\""));
        assertThat(store.drainStream("j1", 10)).isEmpty();
        store.appendStream(EP, "j1", "w1", "\"d\"", LEASE);
        assertThat(store.drainStream("j1", 10)).extracting(StreamChunk::seq).containsExactly(4L);
        assertThat(store.drainStream("nope", 10)).isEmpty();
        assertThat(store.streamAfter("j1", 0, 10)).as("draining reads, it does not delete").hasSize(4);
        assertThatThrownBy(() -> store.drainStream("j1", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit=0");
    }

    @Test
    void aRetriedJobsNewChunksAreDrainedAfterTheOldRunsCursor() {
        running("j1");
        store.appendStream(EP, "j1", "w1", "\"old\"", LEASE);
        assertThat(store.drainStream("j1", 10)).hasSize(1);
        store.finish(EP, "j1", "w1", FAILED, null, "boom", at(2));
        store.retry("j1", at(3));
        store.claim(EP, "w2", 1, at(4), at(50));
        store.appendStream(EP, "j1", "w2", "\"new\"", at(50));

        assertThat(store.drainStream("j1", 10)).extracting(StreamChunk::outputJson).containsExactly("\"new\"");
    }

    @Test
    @Timeout(60)
    void concurrentDrainsNeverGetTheSameChunk() throws Exception {
        running("j1");
        int chunks = 200;
        int drainers = 4;
        List<StreamChunk> drained = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(drainers + 1);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int i = 1; i <= chunks; i++) {
                    assertThat(store.appendStream(EP, "j1", "w1", "\"" + i + "\"", LEASE)).isTrue();
                }
            });
            List<Future<?>> readers = new ArrayList<>();
            for (int d = 0; d < drainers; d++) {
                readers.add(pool.submit(() -> {
                    while (!writer.isDone()) {
                        drained.addAll(store.drainStream("j1", 7));
                    }
                    drained.addAll(store.drainStream("j1", 1000));
                }));
            }
            writer.get(50, TimeUnit.SECONDS);
            for (Future<?> r : readers) {
                r.get(50, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        drained.addAll(store.drainStream("j1", 1000));
        assertThat(drained).extracting(StreamChunk::seq).doesNotHaveDuplicates().hasSize(chunks);
    }

    @Test
    void aChunkForAJobNotHeldByTheWorkerIsNotStored() {
        enqueue("queued");
        running("j1");

        assertThat(store.appendStream(EP, "queued", "w1", "\"x\"", LEASE)).isFalse();
        assertThat(store.appendStream(EP, "j1", "w2", "\"x\"", LEASE)).isFalse();
        assertThat(store.appendStream(EP, "nope", "w1", "\"x\"", LEASE)).isFalse();
        assertThat(store.streamAfter("j1", 0, 10)).isEmpty();
        assertThat(store.streamAfter("queued", 0, 10)).isEmpty();
    }

    // ---- finish ----

    @Test
    void finishCompletedKeepsTheOutputAndCountsIt() {
        running("j1");

        Job done = store.finish(EP, "j1", "w1", COMPLETED, "{\"images\":[]}", null, at(4));

        assertThat(done.state()).isEqualTo(COMPLETED);
        assertThat(done.outputJson()).isEqualTo("{\"images\":[]}");
        assertThat(done.error()).isNull();
        assertThat(done.finishedAt()).isEqualTo(at(4));
        assertThat(done.leaseUntil()).isNull();
        assertThat(done.workerId()).isEqualTo("w1");
        assertThat(done.executionTimeMillis(at(99))).isEqualTo(3_000);
        assertThat(store.find("j1", at(5))).contains(done);
        assertThat(store.counts(EP)).isEqualTo(new JobCounts(0, 0, 1, 0, 0));
    }

    @Test
    void finishTellsItsOrderedListenerTheEndedJobAndLaterWritesComeAfterIt() throws Exception {
        running("j1");
        List<Job> heard = new ArrayList<>();
        CompletableFuture<Job> retried = new CompletableFuture<>();

        Job done = store.finish(EP, "j1", "w1", FAILED, null, "boom", at(4), ended -> {
            heard.add(ended);
            // a client told of the end at once may act on it from its own thread: on SQLite before the commit synced
            Thread.ofVirtual().start(() -> retried.complete(store.retry("j1", at(5))));
        });

        assertThat(heard).containsExactly(done);
        assertThat(done.state()).isEqualTo(FAILED);
        assertThat(retried.get(10, TimeUnit.SECONDS).state()).as("the retry lands after the end").isEqualTo(IN_QUEUE);
        assertThat(store.find("j1", at(6)).orElseThrow().state()).isEqualTo(IN_QUEUE);
    }

    @Test
    void aRefusedFinishTellsItsOrderedListenerNothing() {
        running("j1");
        store.finish(EP, "j1", "w1", COMPLETED, "{}", null, at(4));
        List<Job> heard = new ArrayList<>();

        assertThatThrownBy(() -> store.finish(EP, "j1", "w2", COMPLETED, "{}", null, at(5), heard::add))
                .isInstanceOf(JobStateConflictException.class);
        assertThat(heard).isEmpty();
    }

    @Test
    void finishFailedKeepsTheErrorAndCountsIt() {
        running("j1");

        Job failed = store.finish(EP, "j1", "w1", FAILED, "{\"detail\":\"x\"}", "bad seed", at(4));

        assertThat(failed.state()).isEqualTo(FAILED);
        assertThat(failed.error()).isEqualTo("bad seed");
        assertThat(failed.outputJson()).isEqualTo("{\"detail\":\"x\"}");
        assertThat(store.counts(EP)).isEqualTo(new JobCounts(0, 0, 0, 1, 0));
    }

    /**
     * A Python worker's {@code "\x00"} arrives as JSON's escape for NUL: in an output it stays escaped (the JSON text
     * the gateway writes), but an error string carries the character itself, which PostgreSQL's text refuses. Both
     * stores keep the job's end, the NUL as U+FFFD (also in output text given the character itself).
     */
    @Test
    void aNulInAWorkersErrorOrOutputIsKeptAsAReplacementCharacter() {
        running("j1");
        running("j2");

        Job failed = store.finish(EP, "j1", "w1", FAILED, "{\"t\":\"a\\u0000b\"}", "bad\u0000seed", at(4));
        assertThat(store.appendStream(EP, "j2", "w1", "{\"t\":\"c\u0000d\"}", LEASE)).isTrue();
        assertThat(store.recordProgress(EP, "j2", "w1", "{\"t\":\"e\u0000f\"}", LEASE)).isTrue();

        assertThat(failed.error()).isEqualTo("bad\uFFFDseed");
        assertThat(store.find("j1", at(5)).orElseThrow().error()).isEqualTo("bad\uFFFDseed");
        assertThat(store.find("j1", at(5)).orElseThrow().outputJson()).isEqualTo("{\"t\":\"a\\u0000b\"}");
        assertThat(store.streamAfter("j2", 0, 10)).extracting(StreamChunk::outputJson)
                .containsExactly("{\"t\":\"c\uFFFDd\"}");
        assertThat(store.find("j2", at(5)).orElseThrow().outputJson()).isEqualTo("{\"t\":\"e\uFFFDf\"}");
    }

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = {"IN_QUEUE", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"})
    void finishIsRefusedUnlessInProgress(JobState state) {
        inState("j1", state);
        JobCounts before = store.counts(EP);

        assertThatThrownBy(() -> store.finish(EP, "j1", "w1", COMPLETED, "{}", null, at(9)))
                .isInstanceOfSatisfying(JobStateConflictException.class, e -> {
                    assertThat(e.jobId()).isEqualTo("j1");
                    assertThat(e.actual()).isEqualTo(state);
                    assertThat(e.expected()).containsExactly(IN_PROGRESS);
                })
                .hasMessageContaining(state.name()).hasMessageContaining("IN_PROGRESS");
        assertThat(store.find("j1", at(9)).orElseThrow().state()).isEqualTo(state);
        assertThat(store.counts(EP)).isEqualTo(before);
    }

    @Test
    void finishByAnotherWorkerIsRefusedNamingTheHolder() {
        running("j1");

        assertThatThrownBy(() -> store.finish(EP, "j1", "w2", COMPLETED, "{}", null, at(3)))
                .isInstanceOf(JobStateConflictException.class)
                .hasMessageContaining("held by worker w1, not w2");
        assertThat(store.find("j1", at(3)).orElseThrow().state()).isEqualTo(IN_PROGRESS);
    }

    @Test
    void finishOfAnUnknownOrExpiredJobIsNotFound() {
        assertThatThrownBy(() -> store.finish(EP, "nope", "w1", COMPLETED, "{}", null, at(3)))
                .isInstanceOfSatisfying(JobNotFoundException.class, e -> assertThat(e.jobId()).isEqualTo("nope"));
        store.enqueue(job("short").ttl(Duration.ofSeconds(10)).build());
        store.claim(EP, "w1", 1, at(1), LEASE);
        assertThatThrownBy(() -> store.finish(EP, "short", "w1", COMPLETED, "{}", null, at(10)))
                .isInstanceOf(JobNotFoundException.class);
    }

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = {"IN_QUEUE", "IN_PROGRESS", "CANCELLED", "TIMED_OUT"})
    void finishOutcomeMustBeCompletedOrFailed(JobState outcome) {
        running("j1");
        assertThatThrownBy(() -> store.finish(EP, "j1", "w1", outcome, "{}", null, at(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("COMPLETED or FAILED");
    }

    // ---- cancel ----

    @Test
    void cancelOfAQueuedJobEndsIt() {
        enqueue("j1");

        Job cancelled = store.cancel("j1", at(5));

        assertThat(cancelled.state()).isEqualTo(CANCELLED);
        assertThat(cancelled.finishedAt()).isEqualTo(at(5));
        assertThat(store.claim(EP, "w1", 1, at(6), LEASE)).isEmpty();
    }

    @Test
    void cancelOfARunningJobTellsItsWorkerToStop() {
        running("j1");
        running("j2");

        Job cancelled = store.cancel("j1", at(5));

        assertThat(cancelled.state()).isEqualTo(CANCELLED);
        assertThat(cancelled.leaseUntil()).isNull();
        assertThat(store.notRunningFor(EP, "w1", List.of("j1", "j2"))).containsExactly("j1");
        assertThat(store.recordProgress(EP, "j1", "w1", "\"late\"", at(60))).isFalse();
        assertThat(store.counts(EP)).isEqualTo(new JobCounts(0, 1, 0, 0, 0));
    }

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = {"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"})
    void cancelIsRefusedForEndedJobs(JobState state) {
        inState("j1", state);

        assertThatThrownBy(() -> store.cancel("j1", at(9)))
                .isInstanceOfSatisfying(JobStateConflictException.class, e -> {
                    assertThat(e.actual()).isEqualTo(state);
                    assertThat(e.expected()).containsExactlyInAnyOrder(IN_QUEUE, IN_PROGRESS);
                });
        assertThat(store.find("j1", at(9)).orElseThrow().state()).isEqualTo(state);
    }

    @Test
    void cancelOfAnUnknownJobIsNotFound() {
        assertThatThrownBy(() -> store.cancel("nope", T0)).isInstanceOf(JobNotFoundException.class);
    }

    // ---- retry ----

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = {"FAILED", "TIMED_OUT"})
    void retryRequeuesUnderTheSameIdWithoutTheOldResult(JobState state) {
        inState("j1", state);

        Job again = store.retry("j1", at(20));

        assertThat(again.id()).isEqualTo("j1");
        assertThat(again.state()).isEqualTo(IN_QUEUE);
        assertThat(again.outputJson()).isNull();
        assertThat(again.error()).isNull();
        assertThat(again.startedAt()).isNull();
        assertThat(again.finishedAt()).isNull();
        assertThat(again.workerId()).as("queued: no worker runs it").isNull();
        assertThat(again.retries()).isEqualTo(1);
        assertThat(again.inputJson()).isEqualTo("{\"prompt\":\"j1\"}");
        assertThat(store.counts(EP).retried()).isEqualTo(1);
        assertThat(store.claim(EP, "w2", 1, at(21), at(50))).extracting(Job::id).containsExactly("j1");
    }

    @Test
    void retryDropsThePreviousRunsStreamButKeepsCountingSeqs() {
        running("j1");
        store.appendStream(EP, "j1", "w1", "\"a\"", LEASE);
        store.appendStream(EP, "j1", "w1", "\"b\"", LEASE);
        store.finish(EP, "j1", "w1", FAILED, null, "boom", at(3));

        store.retry("j1", at(4));
        assertThat(store.streamAfter("j1", 0, 10)).isEmpty();
        store.claim(EP, "w2", 1, at(5), at(50));
        store.appendStream(EP, "j1", "w2", "\"c\"", at(50));

        assertThat(store.streamAfter("j1", 2, 10)).containsExactly(new StreamChunk(3, "\"c\""));
    }

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = {"IN_QUEUE", "IN_PROGRESS", "COMPLETED", "CANCELLED"})
    void retryIsRefusedUnlessFailedOrTimedOut(JobState state) {
        inState("j1", state);

        assertThatThrownBy(() -> store.retry("j1", at(9)))
                .isInstanceOfSatisfying(JobStateConflictException.class, e -> {
                    assertThat(e.actual()).isEqualTo(state);
                    assertThat(e.expected()).containsExactlyInAnyOrder(FAILED, TIMED_OUT);
                })
                .hasMessageContaining("cannot retry job j1");
        assertThat(store.find("j1", at(9)).orElseThrow().state()).isEqualTo(state);
    }

    @Test
    void anExpiredJobCannotBeRetried() {
        store.enqueue(job("j1").ttl(Duration.ofSeconds(10)).build());
        store.claim(EP, "w1", 1, at(1), LEASE);
        store.finish(EP, "j1", "w1", FAILED, null, "boom", at(2));

        assertThatThrownBy(() -> store.retry("j1", at(10))).isInstanceOf(JobNotFoundException.class);
    }

    // ---- purge ----

    @Test
    void purgeDeletesOnlyTheEndpointsQueuedJobs() {
        enqueue("q1");
        enqueue("q2");
        running("r1");
        inState("done", COMPLETED);
        store.enqueue(job("other").endpoint("ep2").build());

        assertThat(store.purgeQueue(EP, at(5))).containsExactlyInAnyOrder("q1", "q2");

        assertThat(store.find("q1", at(9))).isEmpty();
        assertThat(store.find("q2", at(9))).isEmpty();
        assertThat(store.find("r1", at(9))).isPresent();
        assertThat(store.find("done", at(9))).isPresent();
        assertThat(store.find("other", at(9))).isPresent();
        assertThat(store.purgeQueue(EP, at(6))).isEmpty();
    }

    @Test
    void aPurgedJobIsKnownAsPurgedForTenMinutesToEveryStoreOnTheDatabase() {
        enqueue("q1");
        running("r1");
        store.enqueue(job("other").endpoint("ep2").build());
        store.purgeQueue(EP, at(5));

        assertThat(store.wasPurged(EP, "q1", at(5))).isTrue();
        assertThat(store.wasPurged(EP, "q1", at(5).plus(JobStore.PURGES_KEPT).minusMillis(1))).isTrue();
        assertThat(store.wasPurged(EP, "q1", at(5).plus(JobStore.PURGES_KEPT))).as("its time is up").isFalse();
        assertThat(store.wasPurged("ep2", "q1", at(5))).as("of another endpoint").isFalse();
        assertThat(store.wasPurged(EP, "r1", at(5))).as("not purged").isFalse();
        assertThat(store.wasPurged(EP, "never-was", at(5))).isFalse();

        // a later purge forgets what is kept no longer, and keeps what it deletes
        store.purgeQueue("ep2", at(5).plus(JobStore.PURGES_KEPT));
        assertThat(store.wasPurged("ep2", "other", at(5).plus(JobStore.PURGES_KEPT))).isTrue();
        assertThat(store.wasPurged(EP, "q1", at(5))).as("forgotten by the later purge").isFalse();
    }

    // ---- leases ----

    @Test
    void renewLeasesExtendsOnlyTheJobsTheWorkerHolds() {
        running("mine");
        enqueue("queued");
        store.claim(EP, "w2", 1, at(1), LEASE); // "queued" now belongs to w2

        int renewed = store.renewLeases(EP, "w1", List.of("mine", "queued", "nope"), at(90));

        assertThat(renewed).isEqualTo(1);
        assertThat(store.find("mine", at(2)).orElseThrow().leaseUntil()).isEqualTo(at(90));
        assertThat(store.find("queued", at(2)).orElseThrow().leaseUntil()).isEqualTo(LEASE);
        assertThat(store.renewLeases(EP, "w1", List.of(), at(90))).isZero();
    }

    /**
     * Worker ids are chosen by workers and may repeat across endpoints; a worker key opens one endpoint. So a call
     * made on another endpoint's route, naming this endpoint's job and its worker's id, keeps nothing alive and
     * changes nothing: the job is lost after its lease as if that call had never come.
     */
    @Test
    void aWorkerOfAnotherEndpointTouchesNoJobOfThisOne() {
        running("j1"); // on EP, held by w1, leased until LEASE
        String other = "ep2";

        assertThat(store.renewLeases(other, "w1", List.of("j1"), at(90))).isZero();
        assertThat(store.recordProgress(other, "j1", "w1", "\"step\"", at(90))).isFalse();
        assertThat(store.appendStream(other, "j1", "w1", "\"chunk\"", at(90))).isFalse();
        assertThatThrownBy(() -> store.finish(other, "j1", "w1", COMPLETED, "{}", null, at(3)))
                .isInstanceOfSatisfying(JobNotFoundException.class, e -> assertThat(e.jobId()).isEqualTo("j1"));
        assertThat(store.notRunningFor(other, "w1", List.of("j1"))).containsExactly("j1");

        Job job = store.find("j1", at(4)).orElseThrow();
        assertThat(job.state()).isEqualTo(IN_PROGRESS);
        assertThat(job.leaseUntil()).isEqualTo(LEASE);
        assertThat(job.outputJson()).isNull();
        assertThat(store.streamAfter("j1", 0, 10)).isEmpty();
        assertThat(store.expireLeases(LEASE.plusMillis(1))).extracting(Job::id).containsExactly("j1");
        assertThat(store.notRunningFor(EP, "w1", List.of("j1"))).containsExactly("j1");
    }

    @Test
    void aSilentWorkersJobGoesBackToTheQueue() {
        running("j1");
        running("renewed");
        store.renewLeases(EP, "w1", List.of("renewed"), at(100));

        assertThat(store.expireLeases(LEASE)).as("the lease runs until its instant").isEmpty();
        List<Job> expired = store.expireLeases(LEASE.plusMillis(1));

        assertThat(expired).singleElement().satisfies(j -> {
            assertThat(j.id()).isEqualTo("j1");
            assertThat(j.state()).isEqualTo(IN_QUEUE);
            assertThat(j.retries()).isEqualTo(1);
            assertThat(j.startedAt()).isNull();
            assertThat(j.leaseUntil()).isNull();
        });
        assertThat(store.notRunningFor(EP, "w1", List.of("j1", "renewed"))).containsExactly("j1");
        assertThat(store.counts(EP)).isEqualTo(new JobCounts(1, 1, 0, 0, 1));
        assertThat(store.claim(EP, "w2", 1, at(40), at(70))).extracting(Job::id).containsExactly("j1");
    }

    @Test
    void aJobBackInTheQueueFromALostWorkerNamesNoWorkerUntilTakenAgain() {
        running("j1");

        assertThat(store.expireLeases(LEASE.plusMillis(1))).singleElement()
                .satisfies(j -> assertThat(j.workerId()).as("the lost worker no longer runs it").isNull());
        assertThat(store.find("j1", at(40)).orElseThrow().workerId()).isNull();
        assertThat(store.claim(EP, "w2", 1, at(40), at(70))).singleElement()
                .satisfies(j -> assertThat(j.workerId()).isEqualTo("w2"));
    }

    @Test
    void aStoppedWorkersJobsGoBackToTheQueueAtOnceWithoutCountingARetry() {
        running("j1");
        running("j2");
        store.enqueue(job("other").createdAt(T0.plusMillis(5)).build());
        store.claim(EP, "w2", 1, at(1), LEASE);
        store.finish(EP, "j2", "w1", COMPLETED, "{}", null, at(2));

        List<Job> handedBack = store.handBack("w1", at(3));

        assertThat(handedBack).as("only the unfinished job of that worker").singleElement().satisfies(j -> {
            assertThat(j.id()).isEqualTo("j1");
            assertThat(j.state()).isEqualTo(IN_QUEUE);
            assertThat(j.retries()).as("it did not fail").isZero();
            assertThat(j.workerId()).as("the stopped worker no longer runs it").isNull();
            assertThat(j.startedAt()).isNull();
            assertThat(j.leaseUntil()).isNull();
        });
        assertThat(store.find("other", at(3)).orElseThrow().state()).as("another worker's job").isEqualTo(IN_PROGRESS);
        assertThat(store.counts(EP)).isEqualTo(new JobCounts(1, 1, 1, 0, 0));
        assertThat(store.notRunningFor(EP, "w1", List.of("j1"))).containsExactly("j1");
        assertThatThrownBy(() -> store.finish(EP, "j1", "w1", COMPLETED, "{}", null, at(4)))
                .as("a late result of the stopped worker").isInstanceOf(JobStateConflictException.class);
        assertThat(store.handBack("w1", at(4))).isEmpty();
        assertThat(store.expireLeases(at(100))).as("no lease left to run out for it").extracting(Job::id)
                .containsExactly("other");
        assertThat(store.claim(EP, "w3", 1, at(5), at(35))).singleElement()
                .satisfies(j -> assertThat(j.retries()).isZero());
    }

    @Test
    void aCrashedWorkersLeasesEndAtOnceAndItsJobsGoBackAtTheNextSweepWithARetryCounted() {
        running("j1");
        store.enqueue(job("other").createdAt(T0.plusMillis(5)).build());
        store.claim(EP, "w2", 1, at(1), LEASE);

        assertThat(store.endLeases("w1", at(3))).isEqualTo(1);

        assertThat(store.expireLeases(at(3))).as("the lease runs until its instant, now").isEmpty();
        assertThat(store.expireLeases(at(3).plusMillis(1))).as("not after the 30 s lease: the next sweep")
                .singleElement().satisfies(j -> {
                    assertThat(j.id()).isEqualTo("j1");
                    assertThat(j.state()).isEqualTo(IN_QUEUE);
                    assertThat(j.retries()).as("its job may be what killed it").isEqualTo(1);
                    assertThat(j.workerId()).isNull();
                });
        assertThat(store.find("other", at(4)).orElseThrow().leaseUntil()).as("another worker's lease")
                .isEqualTo(LEASE);
        assertThat(store.endLeases("w1", at(5))).as("nothing held any more").isZero();
        assertThat(store.endLeases("never-ran", at(5))).isZero();
    }

    @Test
    void aJobIsFailedWhenItsRetriesAreUsedUp() {
        store.enqueue(job("j1").maxRetries(2).build());
        Instant now = T0;
        for (int attempt = 1; attempt <= 2; attempt++) {
            store.claim(EP, "w" + attempt, 1, now, now.plusSeconds(10));
            now = now.plusSeconds(11);
            assertThat(store.expireLeases(now)).singleElement()
                    .satisfies(j -> assertThat(j.state()).isEqualTo(IN_QUEUE));
        }
        store.claim(EP, "w3", 1, now, now.plusSeconds(10));
        Instant lastLeaseOver = now.plusSeconds(11);

        List<Job> expired = store.expireLeases(lastLeaseOver);

        assertThat(expired).singleElement().satisfies(j -> {
            assertThat(j.state()).isEqualTo(FAILED);
            assertThat(j.retries()).isEqualTo(2);
            assertThat(j.finishedAt()).isEqualTo(lastLeaseOver);
            assertThat(j.error()).contains("worker w3 stopped reporting").contains("gave up after 3 attempts");
        });
        assertThat(store.counts(EP)).isEqualTo(new JobCounts(0, 0, 0, 1, 2));
        assertThat(store.expireLeases(lastLeaseOver.plusSeconds(60))).isEmpty();
    }

    @Test
    void aJobWithNoRetriesFailsAtItsFirstLostLease() {
        store.enqueue(job("j1").maxRetries(0).build());
        store.claim(EP, "w1", 1, at(1), LEASE);

        assertThat(store.expireLeases(at(31))).singleElement().satisfies(j -> {
            assertThat(j.state()).isEqualTo(FAILED);
            assertThat(j.error()).contains("gave up after 1 attempts");
        });
    }

    // ---- execution timeout ----

    @Test
    void aJobRunningPastItsExecutionTimeoutTimesOut() {
        store.enqueue(job("slow").executionTimeout(Duration.ofSeconds(5)).build());
        store.enqueue(job("fine").executionTimeout(Duration.ofSeconds(60)).createdAt(T0.plusMillis(1)).build());
        store.claim(EP, "w1", 2, at(1), at(100));

        assertThat(store.timeOutOverdue(at(6))).as("exactly at the limit is not over it").isEmpty();
        List<Job> timedOut = store.timeOutOverdue(at(6).plusMillis(1));

        assertThat(timedOut).singleElement().satisfies(j -> {
            assertThat(j.id()).isEqualTo("slow");
            assertThat(j.state()).isEqualTo(TIMED_OUT);
            assertThat(j.finishedAt()).isEqualTo(at(6).plusMillis(1));
            assertThat(j.error()).contains("5000 ms");
        });
        assertThat(store.notRunningFor(EP, "w1", List.of("slow", "fine"))).containsExactly("slow");
        assertThat(store.counts(EP)).isEqualTo(new JobCounts(0, 1, 0, 1, 0));
        assertThatThrownBy(() -> store.finish(EP, "slow", "w1", COMPLETED, "{}", null, at(8)))
                .isInstanceOf(JobStateConflictException.class).hasMessageContaining("TIMED_OUT");
    }

    // ---- workers' stop list ----

    @Test
    void notRunningForListsEveryJobTheWorkerMustStop() {
        running("keep");
        running("cancelled");
        store.cancel("cancelled", at(2));
        running("stolen");
        store.renewLeases(EP, "w1", List.of("keep"), at(90));
        store.expireLeases(at(31));
        store.claim(EP, "w2", 1, at(32), at(60));

        List<String> stop = store.notRunningFor(EP, "w1", List.of("keep", "cancelled", "stolen", "unknown", "keep"));

        assertThat(stop).containsExactly("cancelled", "stolen", "unknown");
        assertThat(store.notRunningFor(EP, "w1", List.of())).isEmpty();
    }

    // ---- TTL and retention ----

    @Test
    void deleteExpiredRemovesJobsPastTheirTtlInAnyStateAndEndedJobsPastRetention() {
        store.enqueue(job("new-done").createdAt(at(100)).build());
        store.claim(EP, "w1", 1, at(100), at(500));
        store.finish(EP, "new-done", "w1", COMPLETED, "{}", null, at(101)); // ended after the retention cutoff
        running(job("ttl-running").ttl(Duration.ofSeconds(3660)));       // created T0-1h: expires at T0+60s
        store.appendStream(EP, "ttl-running", "w1", "\"x\"", at(500));
        store.enqueue(job("ttl-queued").ttl(Duration.ofSeconds(60)).build());
        inState("old-done", COMPLETED);                                 // finished at T0+2s
        inState("old-cancelled", CANCELLED);                            // finished at T0+2s
        running("running");                                             // running: retention does not apply
        store.renewLeases(EP, "w1", List.of("running"), at(500));
        enqueue("queued");

        int deleted = store.deleteExpired(at(120), at(50));

        assertThat(deleted).isEqualTo(4);
        for (String gone : List.of("ttl-queued", "ttl-running", "old-done", "old-cancelled")) {
            assertThat(store.find(gone, at(10))).as(gone).isEmpty();
            assertThat(store.notRunningFor(EP, "w1", List.of(gone))).containsExactly(gone);
        }
        assertThat(store.streamAfter("ttl-running", 0, 10)).isEmpty();
        for (String kept : List.of("running", "queued", "new-done")) {
            assertThat(store.find(kept, at(120))).as(kept).isPresent();
        }
        assertThat(store.deleteExpired(at(120), at(50))).isZero();
    }

    @Test
    void runsyncResultsCanBeDeletedSoonerThanRunResults() {
        inState("sync-a1-u1", COMPLETED);                 // finished at T0+2s
        inState("run-a1-u1", COMPLETED);                  // finished at T0+2s
        running("sync-b1-u1");                            // still running: retention does not apply
        store.renewLeases(EP, "w1", List.of("sync-b1-u1"), at(500));
        enqueue("sync-c1-u1");

        assertThat(store.deleteExpired(at(100), at(0), at(3))).isEqualTo(1);

        assertThat(store.find("sync-a1-u1", at(100))).isEmpty();
        assertThat(store.find("run-a1-u1", at(100))).isPresent();
        assertThat(store.find("sync-b1-u1", at(100))).isPresent();
        assertThat(store.find("sync-c1-u1", at(100))).isPresent();
        assertThat(store.deleteExpired(at(100), at(3))).as("the two-cutoff form keeps both alike").isEqualTo(1);
        assertThat(store.find("run-a1-u1", at(100))).isEmpty();
    }

    @Test
    void deleteExpiredWorksThroughMoreJobsThanOneBatch() {
        for (int i = 0; i < 520; i++) {
            store.enqueue(job("e" + i).ttl(Duration.ofSeconds(10)).build());
        }

        assertThat(store.deleteExpired(at(10), T0)).isEqualTo(520);
        assertThat(store.counts(EP).inQueue()).isZero();
    }

    // ---- counts ----

    @Test
    void countsShowLiveJobsAndTotalsThatOutliveDeletion() {
        enqueue("q");
        running("r");
        inState("c1", COMPLETED);
        inState("c2", COMPLETED);
        inState("f", FAILED);
        inState("t", TIMED_OUT);
        inState("x", CANCELLED);
        store.retry("f", at(3));
        store.enqueue(job("elsewhere").endpoint("ep2").build());

        assertThat(store.counts(EP)).isEqualTo(new JobCounts(2, 1, 2, 2, 1));

        store.deleteExpired(at(10), at(10));
        assertThat(store.counts(EP)).as("totals stay after the jobs are deleted")
                .isEqualTo(new JobCounts(2, 1, 2, 2, 1));
        assertThat(store.counts("ep2")).isEqualTo(new JobCounts(1, 0, 0, 0, 0));
        assertThat(store.counts("unknown")).isEqualTo(new JobCounts(0, 0, 0, 0, 0));
    }

    // ---- recent ----

    @Test
    void recentListsNewestFirstOptionallyOfOneState() {
        for (int i = 0; i < 5; i++) {
            store.enqueue(job("j" + i).createdAt(at(i)).build());
        }
        store.enqueue(job("other").endpoint("ep2").createdAt(at(9)).build());
        store.cancel("j3", at(10));

        assertThat(store.recent(EP, Optional.empty(), 3)).extracting(Job::id).containsExactly("j4", "j3", "j2");
        assertThat(store.recent(EP, Optional.of(IN_QUEUE), 10)).extracting(Job::id)
                .containsExactly("j4", "j2", "j1", "j0");
        assertThat(store.recent(EP, Optional.of(CANCELLED), 10)).extracting(Job::id).containsExactly("j3");
        assertThat(store.recent(EP, Optional.of(FAILED), 10)).isEmpty();
        assertThatThrownBy(() -> store.recent(EP, Optional.empty(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- takenSince and endedSince: the autoscaler's demand ----

    @Test
    void takenSinceListsTheJobsTakenFromThatInstantOnOldestTakeFirstAcrossEndpoints() {
        store.enqueue(job("a").createdAt(at(0)).build());
        store.enqueue(job("b").createdAt(at(1)).build());
        store.enqueue(job("c").endpoint("ep2").createdAt(at(2)).build());
        store.enqueue(job("waiting").createdAt(at(3)).build());
        store.claim(EP, "w1", 1, at(10), at(40));
        store.claim("ep2", "w2", 1, at(11), at(40));
        store.claim(EP, "w1", 1, at(12), at(40));

        assertThat(store.takenSince(at(10), 10)).containsExactly(
                new JobTimes("a", EP, IN_PROGRESS, at(0), at(10), null),
                new JobTimes("c", "ep2", IN_PROGRESS, at(2), at(11), null),
                new JobTimes("b", EP, IN_PROGRESS, at(1), at(12), null));
        assertThat(store.takenSince(at(11), 10)).as("from the instant on, not before").extracting(JobTimes::jobId)
                .containsExactly("c", "b");
        assertThat(store.takenSince(at(10), 2)).extracting(JobTimes::jobId).containsExactly("a", "c");
        assertThat(store.takenSince(at(13), 10)).isEmpty();
        assertThatThrownBy(() -> store.takenSince(at(0), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJobTakenAgainIsListedWithItsLastTakeOnly() {
        running("j"); // taken at T0+1s
        store.finish(EP, "j", "w1", FAILED, null, "boom", at(2));
        store.retry("j", at(3));
        assertThat(store.takenSince(at(0), 10)).as("back in the queue: not taken now").isEmpty();
        store.claim(EP, "w2", 1, at(4), at(40));
        assertThat(store.takenSince(at(0), 10)).extracting(JobTimes::startedAt).containsExactly(at(4));
    }

    @Test
    void endedSinceListsEveryEndOldestFirstAndARunToItsEndHasItsExecutionTime() {
        inState("done", COMPLETED); // taken at +1 s, ended at +2 s
        inState("cancelled", CANCELLED); // cancelled while queued at +2 s
        inState("timedOut", TIMED_OUT); // taken at +1 s, timed out at +7 s
        running("live");

        List<JobTimes> ended = store.endedSince(at(2), 10);
        assertThat(ended).extracting(JobTimes::jobId).containsExactlyInAnyOrder("done", "cancelled", "timedOut");
        assertThat(ended.getLast().jobId()).isEqualTo("timedOut");
        Map<String, Duration> ran = new java.util.HashMap<>();
        ended.forEach(t -> ran.put(t.jobId(), t.ranFor()));
        assertThat(ran).containsEntry("done", Duration.ofSeconds(1)).containsEntry("timedOut", Duration.ofSeconds(6))
                .containsEntry("cancelled", null);
        assertThat(store.endedSince(at(3), 10)).extracting(JobTimes::jobId).containsExactly("timedOut");
        assertThatThrownBy(() -> store.endedSince(at(0), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
