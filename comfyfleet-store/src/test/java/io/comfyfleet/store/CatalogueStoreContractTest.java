package io.comfyfleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.catalogue.CatalogueStore;
import io.comfyfleet.core.catalogue.CatalogueStore.VersionCatalogue;
import io.comfyfleet.core.job.JobStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What every store's node catalogues must do, run against each database by a subclass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CatalogueStoreContractTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    protected JobStore store;

    /** Opens the store under test (once per class). */
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

    private CatalogueStore catalogues() {
        return store.catalogues().orElseThrow();
    }

    /** Each test uses its own endpoint and digests, so the class shares one database. */
    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    @Test
    void aStoredBodyIsFoundByItsDigestWithItsBytes() {
        String digest = unique("d");
        byte[] body = "{\"KSampler\":{\"input\":{}},\"x\":\"\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(catalogues().hasBody(digest)).isFalse();
        assertThat(catalogues().body(digest)).isEmpty();

        catalogues().putBody(digest, body, T0);

        assertThat(catalogues().hasBody(digest)).isTrue();
        assertThat(catalogues().body(digest)).hasValueSatisfying(b -> assertThat(b).isEqualTo(body));
    }

    @Test
    void storingTheSameDigestTwiceKeepsTheFirstBody() {
        String digest = unique("d");
        catalogues().putBody(digest, "{\"a\":{}}".getBytes(StandardCharsets.UTF_8), T0);
        catalogues().putBody(digest, "{\"b\":{}}".getBytes(StandardCharsets.UTF_8), T0.plusSeconds(1));

        assertThat(new String(catalogues().body(digest).orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":{}}");
    }

    @Test
    void aVersionPointsAtTheDigestItReportedLast() {
        String endpoint = unique("ep");
        String d1 = unique("d");
        String d2 = unique("d");
        catalogues().putBody(d1, new byte[] {'{', '}'}, T0);
        catalogues().putBody(d2, new byte[] {'{', '}'}, T0);
        assertThat(catalogues().version(endpoint, "v1")).isEmpty();

        catalogues().recordVersion(endpoint, "v1", d1, T0);
        catalogues().recordVersion(endpoint, "v1", d2, T0.plusSeconds(5));

        assertThat(catalogues().version(endpoint, "v1"))
                .contains(new VersionCatalogue(endpoint, "v1", d2, T0.plusSeconds(5)));
        assertThat(catalogues().version(endpoint, "v2")).isEmpty();
        assertThat(catalogues().version(unique("other"), "v1")).isEmpty();
    }

    @Test
    void theLatestVersionIsTheOneReportedLastPerEndpoint() {
        String endpoint = unique("ep");
        String other = unique("ep");
        String d = unique("d");
        catalogues().putBody(d, new byte[] {'{', '}'}, T0);
        assertThat(catalogues().latest(endpoint)).isEmpty();

        catalogues().recordVersion(endpoint, "v2", d, T0.plusSeconds(1));
        catalogues().recordVersion(endpoint, "v1", d, T0.plusSeconds(2));
        catalogues().recordVersion(other, "v9", d, T0.plusSeconds(3));
        assertThat(catalogues().latest(endpoint).map(VersionCatalogue::version)).contains("v1");

        // an older version whose worker reports again becomes the latest again
        catalogues().recordVersion(endpoint, "v2", d, T0.plusSeconds(4));
        assertThat(catalogues().latest(endpoint).map(VersionCatalogue::version)).contains("v2");
        assertThat(catalogues().latest(other).map(VersionCatalogue::version)).contains("v9");
    }

    @Test
    void catalogueAndVersionsSurviveAReopen() throws Exception {
        String endpoint = unique("ep");
        String digest = unique("d");
        byte[] body = "{\"LoadImage\":{}}".getBytes(StandardCharsets.UTF_8);
        catalogues().putBody(digest, body, T0);
        catalogues().recordVersion(endpoint, "local-abc", digest, T0);

        store = reopen(store);

        assertThat(catalogues().body(digest)).hasValueSatisfying(b -> assertThat(b).isEqualTo(body));
        assertThat(catalogues().latest(endpoint))
                .contains(new VersionCatalogue(endpoint, "local-abc", digest, T0));
    }
}
