package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The node catalogue contract on a real PostgreSQL 18 (embedded, once for the class), plus sharing. */
class PostgresCatalogueStoreTest extends CatalogueStoreContractTest {
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
    void aCatalogueReportedThroughOneGatewaysStoreIsSeenThroughAnothers() {
        try (JobStore other = postgres.open()) {
            byte[] body = "{\"CheckpointLoaderSimple\":{}}".getBytes(StandardCharsets.UTF_8);
            store.catalogues().orElseThrow().putBody("shared-digest", body, T0);
            store.catalogues().orElseThrow().recordVersion("shared-ep", "v1", "shared-digest", T0);

            var seen = other.catalogues().orElseThrow();
            assertThat(seen.latest("shared-ep").orElseThrow().digest()).isEqualTo("shared-digest");
            assertThat(seen.body("shared-digest")).hasValueSatisfying(b -> assertThat(b).isEqualTo(body));
        }
    }

    @AfterAll
    void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }
}
