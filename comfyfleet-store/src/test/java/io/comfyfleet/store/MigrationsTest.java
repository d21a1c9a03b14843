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
}
