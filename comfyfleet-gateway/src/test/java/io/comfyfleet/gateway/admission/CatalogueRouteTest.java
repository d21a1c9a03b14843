package io.comfyfleet.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.GatewayPerTest;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's catalogue report: digest first, the body only when asked, and what a hostile caller gets. */
class CatalogueRouteTest extends GatewayPerTest {
    private static final TestCatalogue H100 = TestCatalogue.h100();

    @Test
    void theBodyIsAskedForOnceAndNeverAgainForTheSameDigest() {
        Reply first = H100.post(gw.worker, "ep1", "w1", "v1", new byte[0]);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().get("known").asBoolean()).isFalse();
        assertThat(first.field("digest")).isEqualTo(H100.digest());

        Reply upload = H100.post(gw.worker, "ep1", "w1", "v1", H100.body());
        assertThat(upload.status()).isEqualTo(200);
        assertThat(upload.json().get("known").asBoolean()).isTrue();

        // another worker, of the same or another version: the digest alone is enough
        assertThat(H100.post(gw.worker, "ep1", "w2", "v1", new byte[0]).json().get("known").asBoolean()).isTrue();
        assertThat(H100.post(gw.worker, "ep1", "w3", "v2", new byte[0]).json().get("known").asBoolean()).isTrue();
    }

    @Test
    void aWorkerWithoutAVersionReportsAsUnversioned() {
        assertThat(H100.report(gw.worker, "ep1", "w1", null).json().get("known").asBoolean()).isTrue();
        Reply reply = gw.client.post("/v2/ep1/run", "{\"input\":{\"workflow\":"
                + TestCatalogue.capture("err_unknown_node").get("request").get("prompt") + "}}");
        assertThat(reply.status()).isEqualTo(400);
    }

    @Test
    void aBodyThatDoesNotMatchItsDigestIsRefused() {
        TestCatalogue other = H100.without("KSampler");
        Reply reply = other.post(gw.worker, "ep1", "w1", "v1", H100.body());
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.field("error")).contains("SHA-256").contains(other.digest());
        assertThat(other.post(gw.worker, "ep1", "w1", "v1", new byte[0]).json().get("known").asBoolean())
                .as("nothing was stored").isFalse();
    }

    @Test
    void malformedJsonAndBodiesThatAreNoCatalogueAreRefused() {
        for (String text : new String[] {"{\"KSampler\": {", "[1, 2, 3]", "\"text\""}) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            TestCatalogue bad = new TestCatalogue(bytes, TestCatalogue.sha256(bytes));
            Reply reply = bad.post(gw.worker, "ep1", "w1", "v1", bytes);
            assertThat(reply.status()).as(text).isEqualTo(400);
            assertThat(reply.field("error")).as(text).isNotBlank();
        }
    }

    @Test
    void aDigestOrVersionThatIsNotWellFormedIsRefused() {
        Reply noDigest = gw.worker.post("/v2/ep1/catalogue/w1?version=v1", "");
        assertThat(noDigest.status()).isEqualTo(400);
        assertThat(noDigest.field("error")).contains("?digest");
        assertThat(gw.worker.post("/v2/ep1/catalogue/w1?digest=" + H100.digest().toUpperCase(), "").status())
                .isEqualTo(400);
        assertThat(gw.worker.post("/v2/ep1/catalogue/w1?digest=" + H100.digest() + "&version=" + "v".repeat(201), "")
                .status()).isEqualTo(400);
        assertThat(gw.worker.post("/v2/ep1/catalogue/w1?digest=" + H100.digest() + "&version=a%0Ab", "").status())
                .isEqualTo(400);
        assertThat(gw.worker.post("/v2/ep1/catalogue/w%20x?digest=" + H100.digest(), "").status()).isEqualTo(400);
    }

    @Test
    void onlyTheEndpointsWorkerKeyOpensTheRoute() {
        assertThat(H100.post(gw.client, "ep1", "w1", "v1", H100.body()).status()).as("client key").isEqualTo(401);
        assertThat(H100.post(gw.worker.withKey("wrong-key-0123456789"), "ep1", "w1", "v1", H100.body()).status())
                .as("wrong key").isEqualTo(401);
        assertThat(H100.post(gw.worker.withKey(null), "ep1", "w1", "v1", new byte[0]).status()).as("no key")
                .isEqualTo(401);
        // ep2's workers have another key
        assertThat(H100.post(gw.worker, "ep2", "w1", "v1", new byte[0]).status()).isEqualTo(401);
    }

    @Test
    void aBodyOverTheWorkerBodyLimitGets413(@TempDir Path other) {
        try (TestGateway small = new TestGateway(other, "  maxWorkerBody: 100KB")) {
            Reply reply = H100.post(small.worker, "ep1", "w1", "v1", H100.body());
            assertThat(reply.status()).isEqualTo(413);
            assertThat(H100.post(small.worker, "ep1", "w1", "v1", new byte[0]).json().get("known").asBoolean())
                    .isFalse();
        }
    }
}
