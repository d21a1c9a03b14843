package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import io.comfyfleet.testkit.TestPostgres;

/** The node catalogue contract on a real PostgreSQL 18 (embedded, once for the class), plus sharing. */
class PostgresCatalogueStoreTest extends CatalogueStoreContractTest {
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

    @Test
    void aCatalogueReportedThroughOneGatewaysStoreIsSeenThroughAnothers() {
        try (JobStore other = JobStores.openPostgres(url(), "postgres", "postgres", 2)) {
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
