package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The workflow template contract on a real PostgreSQL 18 (embedded, once for the class), plus sharing. */
class PostgresTemplateStoreTest extends TemplateStoreContractTest {
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

    @Test
    void aTemplateRegisteredThroughOneGatewaysStoreIsSeenThroughAnothers() {
        String ep = endpoint();
        try (JobStore other = postgres.open()) {
            templates().put(ep, "shared", "{\"workflow\":{\"1\":{}}}", T0);

            assertThat(other.templates().orElseThrow().get(ep, "shared").orElseThrow().definitionJson())
                    .isEqualTo("{\"workflow\":{\"1\":{}}}");
        }
    }

    @AfterAll
    void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }
}
