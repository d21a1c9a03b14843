package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.core.template.TemplateStore;
import io.comfyfleet.core.template.TemplateStore.StoredTemplate;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What every store's workflow templates must do, run against each database by a subclass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TemplateStoreContractTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    protected JobStore store;

    protected abstract JobStore openStore() throws Exception;

    /** Closes the store and opens it again on the same database, as a gateway restart does. */
    protected abstract JobStore reopen(JobStore store) throws Exception;

    @BeforeAll
    void open() throws Exception {
        store = openStore();
    }

    @AfterAll
    void close() {
        store.close();
    }

    TemplateStore templates() {
        return store.templates().orElseThrow();
    }

    /** Each test uses its own endpoint, so the class shares one database. */
    static String endpoint() {
        return "ep-" + UUID.randomUUID();
    }

    @Test
    void aPutTemplateIsReadBackWithRevisionOneThenReplacingItCountsUp() {
        String ep = endpoint();
        StoredTemplate first = templates().put(ep, "portrait", "{\"v\":1,\"t\":\"\u00e9\"}", T0);
        assertThat(first).isEqualTo(new StoredTemplate(ep, "portrait", "{\"v\":1,\"t\":\"\u00e9\"}", 1, T0));

        StoredTemplate second = templates().put(ep, "portrait", "{\"v\":2}", T0.plusSeconds(5));

        assertThat(second.revision()).isEqualTo(2);
        assertThat(templates().get(ep, "portrait")).contains(
                new StoredTemplate(ep, "portrait", "{\"v\":2}", 2, T0.plusSeconds(5)));
    }

    @Test
    void seedingStoresOnlyWhenTheNameIsFree() {
        String ep = endpoint();
        assertThat(templates().seed(ep, "a", "{\"from\":\"file\"}", T0)).isTrue();
        templates().put(ep, "a", "{\"from\":\"admin\"}", T0.plusSeconds(1));

        assertThat(templates().seed(ep, "a", "{\"from\":\"file\"}", T0.plusSeconds(2))).isFalse();
        assertThat(templates().get(ep, "a").orElseThrow().definitionJson()).isEqualTo("{\"from\":\"admin\"}");
    }

    @Test
    void listingGivesOneEndpointsTemplatesByNameAndDeleteRemovesOne() {
        String ep = endpoint();
        String other = endpoint();
        templates().put(ep, "zeta", "{}", T0);
        templates().put(ep, "alpha", "{}", T0);
        templates().put(other, "beta", "{}", T0);

        assertThat(templates().list(ep)).extracting(StoredTemplate::name).containsExactly("alpha", "zeta");
        assertThat(templates().delete(ep, "alpha")).isTrue();
        assertThat(templates().delete(ep, "alpha")).isFalse();
        assertThat(templates().list(ep)).extracting(StoredTemplate::name).containsExactly("zeta");
        assertThat(templates().get(other, "beta")).isPresent();
    }

    @Test
    void templatesSurviveARestart() throws Exception {
        String ep = endpoint();
        templates().put(ep, "kept", "{\"workflow\":{}}", T0);

        store = reopen(store);

        assertThat(templates().get(ep, "kept").orElseThrow().definitionJson()).isEqualTo("{\"workflow\":{}}");
    }
}
