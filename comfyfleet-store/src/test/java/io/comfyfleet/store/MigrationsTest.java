package io.comfyfleet.store;

import static io.comfyfleet.store.TestJobs.at;
import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store created by an older ComfyFleet is brought up to date on open, its jobs kept. */
class MigrationsTest {
    @TempDir
    Path dir;

    @Test
    void aVersion1FileIsMigratedOnOpenAndKeepsItsJobs() throws Exception {
        Path file = dir.resolve("old.db");
        Flyway.configure().dataSource(SqliteDatabase.url(file), null, null)
                .locations(new SqliteDialect().migrationLocation()).target("1").load().migrate();
        try (JobStore v1 = new JdbcJobStore(new SqliteDatabase(file))) {
            v1.enqueue(job("old-job").build());
        }

        try (JobStore store = JobStores.openSqlite(file)) {
            assertThat(store.find("old-job", at(1))).isPresent();
            store.enqueue(job("sync-new-u1").build());
            assertThat(store.claim(TestJobs.EP, "w1", 2, at(1), at(30))).hasSize(2);
        }
        // every migration on the classpath was applied, whichever is the newest
        assertThat(Flyway.configure().dataSource(SqliteDatabase.url(file), null, null)
                .locations(new SqliteDialect().migrationLocation()).load().info().pending()).isEmpty();
    }

    /** Before V11 a NULL previous image meant "never changed"; a row with a previous image was changed. */
    @Test
    void settingsStoredBeforeV11KnowWhetherTheirImageWasChangedWhereTheyCan() throws Exception {
        Path file = dir.resolve("v10.db");
        Flyway.configure().dataSource(SqliteDatabase.url(file), null, null)
                .locations(new SqliteDialect().migrationLocation()).target("10").load().migrate();
        try (var c = java.sql.DriverManager.getConnection(SqliteDatabase.url(file));
                var s = c.createStatement()) {
            s.executeUpdate("INSERT INTO endpoint_settings (endpoint, image, previous_image, min_workers, max_workers,"
                    + " idle_timeout_ms, scaler_type, scaler_value, max_surge, revision, updated_at) VALUES"
                    + " ('changed', 'img:b', 'img:a', 0, 3, 5000, 'QUEUE_DELAY', 4, 1, 2, 0),"
                    + " ('seeded', 'img:a', NULL, 0, 3, 5000, 'QUEUE_DELAY', 4, 1, 1, 0)");
        }

        try (JobStore store = JobStores.openSqlite(file)) {
            var settings = store.endpointSettings().orElseThrow();
            assertThat(settings.get("changed").orElseThrow().imageChanged()).isTrue();
            assertThat(settings.get("seeded").orElseThrow().imageChanged()).isFalse();
        }
    }
}
