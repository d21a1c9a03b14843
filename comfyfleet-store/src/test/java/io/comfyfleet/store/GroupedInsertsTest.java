package io.comfyfleet.store;

import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.core.job.NewJob;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GroupedInsertsTest {
    /** The groups a fake database was asked to insert, in order; each insert takes a few milliseconds. */
    private final List<List<String>> groups = new CopyOnWriteArrayList<>();

    private Function<List<NewJob>, List<Job>> slowDatabase(String refusedId) {
        return jobs -> {
            groups.add(jobs.stream().map(NewJob::id).toList());
            sleep(5);
            if (jobs.stream().anyMatch(j -> j.id().equals(refusedId))) {
                throw new JobStoreException("job id " + refusedId + " is already taken");
            }
            return jobs.stream().map(j -> JobRows.queued(j, 1, 2)).toList();
        };
    }

    @Test
    void aLoneCallerInsertsItsOwnJobAtOnce() {
        GroupedInserts inserts = new GroupedInserts(slowDatabase(null));

        assertThat(inserts.insert(job("j1").build()).id()).isEqualTo("j1");
        assertThat(inserts.insert(job("j2").build()).id()).isEqualTo("j2");
        assertThat(groups).containsExactly(List.of("j1"), List.of("j2"));
    }

    @Test
    void callersArrivingWhileAnInsertRunsAreInsertedTogetherAndEachGetsItsOwnJob() throws Exception {
        GroupedInserts inserts = new GroupedInserts(slowDatabase(null));

        List<Job> stored = runConcurrently(inserts, 40);

        assertThat(stored).extracting(Job::id)
                .containsExactlyElementsOf(IntStream.range(0, 40).mapToObj(n -> "j" + n).toList());
        assertThat(groups.stream().mapToInt(List::size).sum()).isEqualTo(40);
        assertThat(groups).hasSizeLessThan(40)
                .allSatisfy(g -> assertThat(g).hasSizeLessThanOrEqualTo(GroupedInserts.MAX_ROWS));
        assertThat(groups.stream().flatMap(List::stream).distinct()).hasSize(40);
    }

    @Test
    void aRefusedGroupIsRetriedOneJobAtATimeSoOnlyTheRefusedCallerFails() throws Exception {
        AtomicInteger waiting = new AtomicInteger();
        CountDownLatch firstRunning = new CountDownLatch(1);
        Function<List<NewJob>, List<Job>> database = slowDatabase("j7");
        GroupedInserts inserts = new GroupedInserts(jobs -> {
            if (jobs.getFirst().id().equals("j0")) {
                // the first insert lasts until every other caller waits behind it
                firstRunning.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> waiting.get() == 15);
                sleep(100);
            }
            return database.apply(jobs);
        });

        try (ExecutorService callers = Executors.newFixedThreadPool(16)) {
            Future<Job> first = callers.submit(() -> inserts.insert(job("j0").build()));
            assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<Job>> rest = callers.invokeAll(IntStream.range(1, 16).mapToObj(n -> (Callable<Job>) () -> {
                waiting.incrementAndGet();
                return inserts.insert(job("j" + n).build());
            }).toList());
            assertThat(first.get().id()).isEqualTo("j0");
            for (int n = 1; n < 16; n++) {
                Future<Job> result = rest.get(n - 1);
                if (n == 7) {
                    assertThatThrownBy(result::get).hasCauseInstanceOf(JobStoreException.class)
                            .hasMessageContaining("j7 is already taken");
                } else {
                    assertThat(result.get().id()).isEqualTo("j" + n);
                }
            }
        }
        // the 15 callers behind the first insert went as one group; refused, each went alone
        assertThat(groups.get(0)).containsExactly("j0");
        assertThat(groups.get(1)).hasSize(15).contains("j7");
        assertThat(groups.subList(2, groups.size())).hasSize(15).allSatisfy(g -> assertThat(g).hasSize(1));
    }

    private static List<Job> runConcurrently(GroupedInserts inserts, int jobs) throws Exception {
        try (ExecutorService callers = Executors.newFixedThreadPool(8)) {
            List<Future<Job>> results = callers.invokeAll(IntStream.range(0, jobs)
                    .mapToObj(n -> (Callable<Job>) () -> inserts.insert(job("j" + n).build())).toList());
            List<Job> stored = new java.util.ArrayList<>();
            for (Future<Job> f : results) {
                stored.add(f.get());
            }
            return stored;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
