package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStore;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;

/** The webhook outbox contract on a real PostgreSQL 18 (embedded, once for the class). */
class PostgresWebhookOutboxTest extends WebhookOutboxContractTest {
    private PostgresStores postgres;

    @Override
    protected JobStore openStore() throws IOException {
        postgres = PostgresStores.start(2);
        return postgres.open();
    }

    @Override
    protected JobStore reopen(JobStore store) {
        store.close();
        return postgres.open();
    }

    @AfterAll
    void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }
}
