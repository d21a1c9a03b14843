package io.comfyfleet.store;

import static io.comfyfleet.store.TestJobs.at;
import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.core.job.QueueWakeups;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import io.comfyfleet.testkit.FreePorts;
import io.comfyfleet.testkit.TestPostgres;

/**
 * The job store contract on a real PostgreSQL 18 (embedded: started from a Maven jar, once for the class),
 * plus what only a server database has.
 */
class PostgresJobStoreTest extends JobStoreContractTest {
    private EmbeddedPostgres postgres;

    @Override
    protected JobStore openStore() throws IOException {
        postgres = TestPostgres.start();
        return JobStores.openPostgres(url(), "postgres", "postgres");
    }

    private String url() {
        return TestPostgres.url(postgres);
    }

    @AfterAll
    void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    protected void deleteAllRows() throws Exception {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            // DELETE, not TRUNCATE: on tables this small it skips creating and syncing new files
            s.execute("DELETE FROM stream_chunks; DELETE FROM jobs; DELETE FROM job_totals; DELETE FROM purged_jobs");
        }
    }

    @Test
    void aSecondGatewayOpeningTheSameDatabaseSeesTheSameJobs() {
        try (JobStore second = JobStores.openPostgres(url(), "postgres", "postgres")) {
            store.enqueue(job("j1").build());
            assertThat(second.find("j1", at(1))).isPresent();
            assertThat(second.claim(TestJobs.EP, "w2", 1, at(1), at(30))).hasSize(1);
            assertThat(store.claim(TestJobs.EP, "w1", 1, at(1), at(30))).isEmpty();
        }
    }

    /** What a gateway's queue watcher was told: endpoints from notices, and how many rechecks. */
    private static final class Heard implements QueueWakeups {
        final List<String> queued = new CopyOnWriteArrayList<>();
        final AtomicInteger rechecks = new AtomicInteger();

        @Override
        public void queued(String endpoint) {
            queued.add(endpoint);
        }

        @Override
        public void recheckAll() {
            rechecks.incrementAndGet();
        }
    }

    @Test
    void aJobQueuedThroughOneGatewayIsAnnouncedToTheOthersButNotToItself() throws Exception {
        Heard first = new Heard();
        Heard second = new Heard();
        try (JobStore other = JobStores.openPostgres(url(), "postgres", "postgres");
                AutoCloseable w1 = store.watchQueues(first);
                AutoCloseable w2 = other.watchQueues(second)) {
            // each listener rechecks once it listens: from then on no notice is missed
            Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> first.rechecks.get() > 0 && second.rechecks.get() > 0);

            store.enqueue(job("j1").build());
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> second.queued.size() == 1);
            other.enqueue(job("j2").build());
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> first.queued.size() == 1);
            // notices reach a listener in commit order: once j3's arrives, j2's (its own) was passed over
            store.enqueue(job("j3").build());
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> second.queued.size() == 2);

            assertThat(second.queued).containsExactly(TestJobs.EP, TestJobs.EP);
            assertThat(first.queued).containsExactly(TestJobs.EP);
        }
    }

    @Test
    void aRetryAndARequeueAreAnnouncedAndARolledBackEnqueueIsNot() throws Exception {
        Heard heard = new Heard();
        try (JobStore other = JobStores.openPostgres(url(), "postgres", "postgres");
                AutoCloseable w = other.watchQueues(heard)) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.rechecks.get() > 0);
            store.enqueue(job("j1").build());
            assertThatThrownBy(() -> store.enqueue(job("j1").build())).isInstanceOf(JobStoreException.class);
            store.claim(TestJobs.EP, "w1", 1, at(1), at(30));
            store.finish(TestJobs.EP, "j1", "w1", io.comfyfleet.core.job.JobState.FAILED, null, "boom", at(2));
            store.retry("j1", at(3));
            store.claim(TestJobs.EP, "w1", 1, at(4), at(30));
            store.expireLeases(at(31));

            // enqueue, retry, requeue: three; the refused duplicate enqueue rolled back its notice
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.queued.size() >= 3);
            Thread.sleep(300);
            assertThat(heard.queued).hasSize(3);
        }
    }

    @Test
    void theListenerReconnectsAfterLosingItsConnection() throws Exception {
        Heard heard = new Heard();
        try (JobStore other = JobStores.openPostgres(url(), "postgres", "postgres");
                AutoCloseable w = other.watchQueues(heard)) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.rechecks.get() > 0);
            int before = heard.rechecks.get();
            try (Connection c = postgres.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE application_name = 'comfyfleet-queue-listener'");
            }
            // the loss itself makes waiters recheck (notices may have been missed) ...
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.rechecks.get() > before);
            // ... and once back, notices arrive again
            AtomicInteger n = new AtomicInteger();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                store.enqueue(job("again-" + n.incrementAndGet()).build());
                return !heard.queued.isEmpty();
            });
        }
    }

    @Test
    void jobsQueuedAtOnceAreAnnouncedOneWakeUpPerJob() throws Exception {
        Heard heard = new Heard();
        try (JobStore other = JobStores.openPostgres(url(), "postgres", "postgres");
                AutoCloseable w = other.watchQueues(heard)) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.rechecks.get() > 0);
            // many /run at once: their notices go out together, each counting its jobs
            try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
                List<Callable<Job>> runs = IntStream.range(0, 40)
                        .mapToObj(n -> (Callable<Job>) () -> store.enqueue(job("burst-" + n).build())).toList();
                for (Future<Job> run : clients.invokeAll(runs)) {
                    run.get();
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.queued.size() >= 40);
            // three jobs claimed and their worker lost: the requeue is announced once per job too
            store.claim(TestJobs.EP, "w1", 3, at(1), at(30));
            store.expireLeases(at(31));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.queued.size() >= 43);
            Thread.sleep(300);
            assertThat(heard.queued).hasSize(43).containsOnly(TestJobs.EP);
        }
    }

    @Test
    void noticesInEitherFormAreHeardAndOtherTrafficOnTheChannelIsIgnored() throws Exception {
        Heard heard = new Heard();
        try (AutoCloseable w = store.watchQueues(heard);
                Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.rechecks.get() > 0);
            // a gateway sending one notice per job (the form before counts), one with a count, and noise
            s.execute("SELECT pg_notify('comfyfleet_queued', 'older-gateway:ep-a'),"
                    + " pg_notify('comfyfleet_queued', 'newer-gateway#3:ep-b'),"
                    + " pg_notify('comfyfleet_queued', 'not a notice'),"
                    + " pg_notify('comfyfleet_queued', 'bad#count:ep-c')");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.queued.size() >= 4);
            Thread.sleep(300);
            assertThat(heard.queued).containsExactlyInAnyOrder("ep-a", "ep-b", "ep-b", "ep-b");
        }
    }

    @Test
    void theAnnouncerReconnectsAfterLosingItsConnectionAndSendsWhatWaited() throws Exception {
        Heard heard = new Heard();
        try (JobStore other = JobStores.openPostgres(url(), "postgres", "postgres");
                AutoCloseable w = other.watchQueues(heard)) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.rechecks.get() > 0);
            store.enqueue(job("before").build());
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.queued.size() == 1);
            try (Connection c = postgres.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE application_name = 'comfyfleet-queue-announcer'");
            }
            // the first send after the loss fails; its jobs are announced once connected again
            store.enqueue(job("after-1").build());
            store.enqueue(job("after-2").build());
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.queued.size() >= 3);
            Thread.sleep(300);
            assertThat(heard.queued).hasSize(3);
        }
    }

    @Test
    void anEndpointNameTooLongForANoticeDoesNotHoldBackTheOthers() throws Exception {
        Heard heard = new Heard();
        try (JobStore other = JobStores.openPostgres(url(), "postgres", "postgres");
                AutoCloseable w = other.watchQueues(heard)) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.rechecks.get() > 0);
            // stored (the name compresses well in the index), but no NOTIFY can carry it
            store.enqueue(job("long").endpoint("e".repeat(9_000)).build());
            store.enqueue(job("short").build());

            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> heard.queued.size() >= 1);
            Thread.sleep(300);
            assertThat(heard.queued).containsExactly(TestJobs.EP);
            assertThat(store.find("long", at(1))).isPresent();
        }
    }

    @Test
    void anUnreachableDatabaseIsReportedWithWhatToCheck() throws IOException {
        // below the ephemeral range no port-0 bind takes it meanwhile, nor can the connection be to itself
        int closedPort = FreePorts.one();
        String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/comfyfleet";

        assertThatThrownBy(() -> JobStores.openPostgres(url, "postgres", "postgres"))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining(url)
                .hasMessageContaining("check the URL");
    }

    @Test
    void aMissingDatabaseIsReported() {
        // (the embedded server trusts every login, so a wrong password cannot be shown here)
        String url = url().replace("/postgres?", "/no_such_db?");

        assertThatThrownBy(() -> JobStores.openPostgres(url, "postgres", "postgres"))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining("no_such_db")
                .hasMessageContaining("as user postgres")
                .hasMessageContaining("user and password");
    }

    @Test
    void aPoolSizeOutOfRangeIsRefused() {
        assertThatThrownBy(() -> JobStores.openPostgres(url(), "postgres", "postgres", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 100 connections, got 0");
    }

    @Test
    void aUrlForAnotherDatabaseIsRefused() {
        assertThatThrownBy(() -> JobStores.openPostgres("jdbc:mysql://localhost/x", "u", "p"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdbc:postgresql://host:5432/database");
    }
}
