package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import io.comfyfleet.testkit.TestPostgres;

/** Leases and the worker board on a real PostgreSQL 18 (embedded), raced from two stores as two gateways do. */
class PostgresControlTablesTest extends ControlTablesContractTest {
    private EmbeddedPostgres postgres;

    @Override
    protected JobStore openStore() throws IOException {
        postgres = TestPostgres.start();
        return JobStores.openPostgres(TestPostgres.url(postgres), "postgres", "postgres", 4);
    }

    @Override
    protected JobStore openSecond() {
        return JobStores.openPostgres(TestPostgres.url(postgres), "postgres", "postgres", 4);
    }

    @AfterAll
    void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }
}
