package io.comfyfleet.store;

import static io.comfyfleet.store.TestJobs.EP;
import static io.comfyfleet.store.TestJobs.T0;
import static io.comfyfleet.store.TestJobs.at;
import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobPolicy;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.core.job.NewJob;
import io.comfyfleet.core.webhook.WebhookOutbox;
import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-machine store (a real SQLite file) copied into an empty, real (embedded) PostgreSQL: read back through the
 * PostgreSQL job store, every job, stream chunk, count, template, setting and pending webhook is as it was, and the
 * store goes on from there (the queued job is claimed, a new webhook gets the next id).
 */
class StoreCopyTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    static EmbeddedPostgres postgres;
    @TempDir
    Path dir;
    /** A new, empty database for each test: one server for the class, as starting one takes seconds. */
    String url;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void newDatabase() throws SQLException {
        String name = "copy" + DATABASES.incrementAndGet();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        url = postgres.getJdbcUrl("postgres", name);
    }

    @Test
    void everythingAGatewayKeepsArrivesAndGoesOnInPostgres() throws Exception {
        Path file = dir.resolve("jobs.db");
        JobStore sqlite = JobStores.openSqlite(file);
        sqlite.enqueue(job("done").build());
        sqlite.enqueue(job("running").createdAt(at(1)).build());
        sqlite.enqueue(job("queued").createdAt(at(2)).build());
        assertThat(sqlite.claim(EP, "w1", 2, at(10), at(40))).extracting(Job::id).containsExactly("done", "running");
        sqlite.appendStream(EP, "running", "w1", "{\"percent\":10}", at(40));
        sqlite.appendStream(EP, "running", "w1", "{\"percent\":20}", at(40));
        sqlite.finish(EP, "done", "w1", JobState.COMPLETED, "{\"images\":[\"a.png\"]}", null, at(12));
        sqlite.templates().orElseThrow().put(EP, "portrait", "{\"workflow\":{},\"params\":{}}", at(3));
        EndpointSettings settings = new EndpointSettings(EP, "demo:2", "demo:1", true, 0, 3, Duration.ofSeconds(5),
                "TARGET_WAIT", 20.0, 1, null, null, 0, T0);
        sqlite.endpointSettings().orElseThrow().seed(settings);
        WebhookOutbox outbox = sqlite.webhookOutbox().orElseThrow();
        long hook = outbox.add("done", EP, "https://hooks.example/done", "\u00e9 done".getBytes(StandardCharsets.UTF_8), at(12));

        Map<String, Job> before = Map.of("done", find(sqlite, "done"), "running", find(sqlite, "running"),
                "queued", find(sqlite, "queued"));
        var counts = sqlite.counts(EP);
        var chunks = sqlite.streamAfter("running", 0, 10);
        var template = sqlite.templates().orElseThrow().get(EP, "portrait").orElseThrow();
        var stored = sqlite.endpointSettings().orElseThrow().get(EP).orElseThrow();
        // a store of an earlier version kept a worker's NUL (a Python "\x00") as it came; PostgreSQL's text refuses it
        sqlite.enqueue(job("nul").endpoint("ep2").build());
        sqlite.claim("ep2", "w1", 1, at(10), at(40));
        sqlite.finish("ep2", "nul", "w1", JobState.FAILED, null, "bad seed", at(12));
        sqlite.close();
        putNul(file, "UPDATE jobs SET error = ? WHERE id = 'nul'", "bad\u0000seed");

        Map<String, Long> copied = StoreCopy.sqliteToPostgres(file, url, "postgres", "postgres");
        assertThat(copied).containsEntry("jobs", 4L).containsEntry("stream_chunks", 2L)
                .containsEntry("endpoint_templates", 1L).containsEntry("endpoint_settings", 1L)
                .containsEntry("webhook_outbox", 1L);

        JobStore pg = JobStores.openPostgres(url, "postgres", "postgres");
        try {
            before.forEach((id, job) -> assertThat(find(pg, id)).as(id).isEqualTo(job));
            assertThat(find(pg, "nul").state()).isEqualTo(JobState.FAILED);
            assertThat(find(pg, "nul").error()).isEqualTo("bad\uFFFDseed");
            assertThat(pg.counts(EP)).isEqualTo(counts);
            assertThat(pg.streamAfter("running", 0, 10)).isEqualTo(chunks);
            assertThat(pg.templates().orElseThrow().get(EP, "portrait")).contains(template);
            assertThat(pg.endpointSettings().orElseThrow().get(EP)).contains(stored);
            List<WebhookOutbox.Entry> pending = pg.webhookOutbox().orElseThrow().pending(10);
            assertThat(pending).hasSize(1);
            assertThat(pending.getFirst().id()).isEqualTo(hook);
            assertThat(new String(pending.getFirst().body(), StandardCharsets.UTF_8)).isEqualTo("\u00e9 done");

            // and it goes on: the queued job is taken, the running one finishes, a new webhook gets a new id
            assertThat(pg.claim(EP, "w2", 1, at(20), at(50))).extracting(Job::id).containsExactly("queued");
            pg.finish(EP, "running", "w1", JobState.COMPLETED, "{}", null, at(21));
            assertThat(pg.webhookOutbox().orElseThrow().add("running", EP, "https://hooks.example/r", new byte[] {1},
                    at(21))).isGreaterThan(hook);
        } finally {
            pg.close();
        }
    }

    @Test
    void aCopyIsRefusedWhereItWouldLoseOrMixJobs() {
        Path file = dir.resolve("jobs.db");
        assertThatThrownBy(() -> StoreCopy.sqliteToPostgres(file, url, "postgres", "postgres"))
                .isInstanceOf(JobStoreException.class).hasMessageContaining("there is no SQLite job store at " + file);

        JobStore sqlite = JobStores.openSqlite(file);
        sqlite.enqueue(job("j1").build());
        // a gateway still running on the file could queue jobs the copy would miss
        assertThatThrownBy(() -> StoreCopy.sqliteToPostgres(file, url, "postgres", "postgres"))
                .isInstanceOf(JobStoreException.class).hasMessageContaining("already in use by another gateway");
        sqlite.close();

        StoreCopy.sqliteToPostgres(file, url, "postgres", "postgres");
        assertThatThrownBy(() -> StoreCopy.sqliteToPostgres(file, url, "postgres", "postgres"))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining("already holds 1 row(s) in jobs: copy into a new, empty database");
        assertThatThrownBy(() -> StoreCopy.sqliteToPostgres(file, "jdbc:mysql://db/x", "u", "p"))
                .isInstanceOf(JobStoreException.class).hasMessageContaining("jdbc:postgresql://host:5432/database");
    }

    /**
     * Jobs of some MB each (inputs may be 20 MB, outputs 64 MB) are sent a few at a time, not 500 to a batch: a
     * batch is sent once it holds the byte limit, so it is never larger than that plus its last row.
     */
    @Test
    void largeJobsAreSentInBatchesBoundedByBytes() {
        Path file = dir.resolve("jobs.db");
        JobStore sqlite = JobStores.openSqlite(file);
        String input = "{\"prompt\":\"" + "x".repeat(3 << 20) + "\"}";
        for (int i = 0; i < 6; i++) {
            sqlite.enqueue(new NewJob("big" + i, EP, input, null, null,
                    new JobPolicy(Duration.ofMinutes(10), Duration.ofHours(24), false), 2, at(i)));
        }
        sqlite.close();
        long limit = 4L << 20;
        record Batch(String table, int rows, long size) {}
        List<Batch> batches = new ArrayList<>();

        Map<String, Long> copied = StoreCopy.sqliteToPostgres(file, url, "postgres", "postgres", limit,
                (table, rows, size) -> batches.add(new Batch(table, rows, size)));

        assertThat(copied).containsEntry("jobs", 6L);
        List<Batch> jobs = batches.stream().filter(b -> b.table().equals("jobs")).toList();
        assertThat(jobs).extracting(Batch::rows).containsExactly(2, 2, 2);
        assertThat(jobs).allSatisfy(b -> assertThat(b.size()).isLessThan(limit + input.length() + 1024));
        JobStore pg = JobStores.openPostgres(url, "postgres", "postgres");
        try {
            assertThat(find(pg, "big5").inputJson()).isEqualTo(input);
        } finally {
            pg.close();
        }
    }

    private static void putNul(Path file, String update, String value) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                PreparedStatement ps = c.prepareStatement(update)) {
            ps.setString(1, value);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static Job find(JobStore store, String id) {
        return store.find(id, at(15)).orElseThrow();
    }
}
