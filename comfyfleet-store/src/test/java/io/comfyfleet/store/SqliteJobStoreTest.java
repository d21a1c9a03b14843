package io.comfyfleet.store;

import static io.comfyfleet.store.TestJobs.at;
import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobStoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job store contract on a real SQLite file, plus what only a file-based store has. */
class SqliteJobStoreTest extends JobStoreContractTest {
    @TempDir
    static Path dir;

    private Path file() {
        return dir.resolve("data/nested/jobs.db");
    }

    @Override
    protected JobStore openStore() {
        return JobStores.openSqlite(file());
    }

    @Override
    protected void deleteAllRows() throws Exception {
        try (Connection c = DriverManager.getConnection(SqliteDatabase.url(file()));
                Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            s.executeUpdate("DELETE FROM stream_chunks");
            s.executeUpdate("DELETE FROM jobs");
            s.executeUpdate("DELETE FROM job_totals");
            s.executeUpdate("DELETE FROM purged_jobs");
        }
    }

    @Test
    void theFileIsInWalModeWithForeignKeys() throws Exception {
        assertThat(Files.isRegularFile(file())).isTrue();
        try (Connection c = DriverManager.getConnection(SqliteDatabase.url(file()));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
    }

    @Test
    void anAcceptedJobIsStillThereAfterReopening() {
        Path other = dir.resolve("reopen/jobs.db");
        try (JobStore first = JobStores.openSqlite(other)) {
            first.enqueue(job("j1").build());
        }
        try (JobStore second = JobStores.openSqlite(other)) {
            assertThat(second.find("j1", at(1)))
                    .hasValueSatisfying(j -> assertThat(j.state()).isEqualTo(JobState.IN_QUEUE));
            assertThat(second.claim(TestJobs.EP, "w1", 1, at(1), at(30))).hasSize(1);
        }
    }

    @Test
    void aFolderThatCannotBeCreatedIsReportedWithThePath() throws Exception {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a file, not a folder");

        assertThatThrownBy(() -> JobStores.openSqlite(blocker.resolve("jobs.db")))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining(blocker.toString())
                .hasMessageContaining("writable directory");
    }

    @Test
    void aFolderGivenAsTheFileIsReported() {
        assertThatThrownBy(() -> JobStores.openSqlite(dir))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining("is a folder");
    }

    @Test
    void aFileThatIsNotSqliteIsReported() throws Exception {
        Path garbage = dir.resolve("garbage.db");
        Files.writeString(garbage, "this is not a database ".repeat(100));

        assertThatThrownBy(() -> JobStores.openSqlite(garbage))
                .isInstanceOf(JobStoreException.class)
                .hasMessageContaining(garbage.toString());
    }
}
