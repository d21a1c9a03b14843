package io.comfyfleet.store;

import static io.comfyfleet.store.TestJobs.at;
import static io.comfyfleet.store.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.job.JobStoreException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The job store contract on a real PostgreSQL 18 (embedded: started from a Maven jar, once for the class),
 * plus what only a server database has.
 */
class PostgresJobStoreTest extends JobStoreContractTest {
    private EmbeddedPostgres postgres;

    @Override
    protected JobStore openStore() throws IOException {
        // A test server need not survive power cuts: without fsync the suite's many small commits and
        // per-test truncations stop waiting for this shared machine's disk. (What the store asks of a real
        // server, a synced commit, is unchanged.)
        postgres = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
        return JobStores.openPostgres(url(), "postgres", "postgres");
    }

    private String url() {
        return postgres.getJdbcUrl("postgres", "postgres");
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
            s.execute("DELETE FROM stream_chunks; DELETE FROM jobs; DELETE FROM job_totals");
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

    @Test
    void anUnreachableDatabaseIsReportedWithWhatToCheck() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
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
