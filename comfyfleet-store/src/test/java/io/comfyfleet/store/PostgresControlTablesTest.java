package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStore;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;

/** Leases and the worker board on a real PostgreSQL 18 (embedded), raced from two stores as two gateways do. */
class PostgresControlTablesTest extends ControlTablesContractTest {
    private PostgresStores postgres;

    @Override
    protected JobStore openStore() throws IOException {
        postgres = PostgresStores.start(4);
        return postgres.open();
    }

    @Override
    protected JobStore openSecond() {
        return postgres.open();
    }

    @AfterAll
    void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }
}
