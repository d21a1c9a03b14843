package io.comfyfleet.store;

import io.comfyfleet.core.job.JobStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import io.comfyfleet.testkit.TestPostgres;

/** The webhook outbox contract on a real PostgreSQL 18 (embedded, once for the class). */
class PostgresWebhookOutboxTest extends WebhookOutboxContractTest {
    private EmbeddedPostgres postgres;

    @Override
    protected JobStore openStore() throws IOException {
        postgres = TestPostgres.start();
        return JobStores.openPostgres(url(), "postgres", "postgres", 2);
    }

    @Override
    protected JobStore reopen(JobStore store) {
        store.close();
        return JobStores.openPostgres(url(), "postgres", "postgres", 2);
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
}
