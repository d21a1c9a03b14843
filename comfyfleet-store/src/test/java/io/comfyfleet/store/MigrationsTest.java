package io.comfyfleet.store;

import static io.comfyfleet.store.TestJobs.at;
import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
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
        try (Connection c = DriverManager.getConnection(SqliteDatabase.url(file));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT MAX(version) FROM flyway_schema_history WHERE success")) {
            rs.next();
            assertThat(rs.getString(1)).as("the newest migration; versions may have gaps").isEqualTo("4");
        }
    }
}
