package io.comfyfleet.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Catalogues live in the job store: they survive a gateway restart and are shared by gateways on PostgreSQL. */
class CatalogueSharingTest {
    private static final TestCatalogue H100 = TestCatalogue.h100();
    private static final JsonNode UNKNOWN_NODE = TestCatalogue.capture("err_unknown_node").get("request").get("prompt");

    @TempDir
    Path dir;

    private static Reply runUnknownNode(TestGateway gw) {
        return gw.client.post("/v2/ep1/run", "{\"input\":{\"workflow\":" + UNKNOWN_NODE + "}}");
    }

    @Test
    void aCatalogueSurvivesAGatewayRestartOnItsSqliteFile() {
        try (TestGateway before = new TestGateway(dir)) {
            assertThat(H100.report(before.worker, "ep1", "w1", "v1").json().get("known").asBoolean()).isTrue();
        }
        try (TestGateway after = new TestGateway(dir)) {
            Reply reply = runUnknownNode(after);
            assertThat(reply.status()).as(reply.text()).isEqualTo(400);
            assertThat(reply.json().get("error").get("type").asString()).isEqualTo("invalid_prompt");
            // and a restarted worker need not send the body again
            assertThat(H100.post(after.worker, "ep1", "w1", "v1", new byte[0]).json().get("known").asBoolean())
                    .isTrue();
        }
    }

    @Test
    void aCatalogueReportedToOneGatewayAdmitsAtAnotherOnTheSamePostgres() throws Exception {
        try (EmbeddedPostgres postgres = TestPostgres.start()) {
            String store = "store: {type: postgres, url: \"" + postgres.getJdbcUrl("postgres", "postgres")
                    + "\", user: postgres}\n";
            try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                    TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
                assertThat(runUnknownNode(b).status()).as("before any report").isEqualTo(200);
                // b read "no version yet" just now; its cache holds that for the refresh period
                b.clock.advance(Catalogues.REFRESH);

                assertThat(H100.report(a.worker, "ep1", "w1", "v1").json().get("known").asBoolean()).isTrue();
                // b learns of it through the store, and has the body: a worker reporting to b sends the digest only
                Reply reply = runUnknownNode(b);
                assertThat(reply.status()).as(reply.text()).isEqualTo(400);
                assertThat(reply.json().get("error").get("message").asString())
                        .isEqualTo("Cannot execute because node NoSuchNode does not exist.");
                assertThat(H100.post(b.worker, "ep1", "w2", "v1", new byte[0]).json().get("known").asBoolean())
                        .isTrue();
            }
        }
    }
}
