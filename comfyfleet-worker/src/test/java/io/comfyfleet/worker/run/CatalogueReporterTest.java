package io.comfyfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.FakeGateway;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.gateway.GatewayClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The worker's side of the catalogue report: digest first, the body once, nothing for what was reported. */
class CatalogueReporterTest {
    private final FakeGateway gw = new FakeGateway(Duration.ofMillis(100));
    private final GatewayEndpoints endpoints = GatewayEndpoints.forGateway(gw.url(), "ep", "w1", "KEY",
            Duration.ofSeconds(1));
    private static final JsonNode CATALOGUE = Json.MAPPER.readTree(
            "{\"KSampler\":{\"input\":{\"required\":{\"seed\":[\"INT\",{\"min\":0}]}},\"output_node\":false}}");

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void theBodyFollowsTheDigestOnlyWhenTheGatewayLacksIt() {
        new CatalogueReporter(new GatewayClient(endpoints)).report(CATALOGUE);

        var posts = gw.requests("POST", "/v2/ep/catalogue/w1");
        assertThat(posts).hasSize(2);
        assertThat(posts.get(0).body()).isEmpty();
        String digest = posts.get(0).param("digest");
        assertThat(digest).isEqualTo(CatalogueReporter.sha256(Json.MAPPER.writeValueAsBytes(CATALOGUE)));
        assertThat(posts.get(0).authorization()).isEqualTo("KEY");
        assertThat(posts.get(1).param("digest")).isEqualTo(digest);
        assertThat(Json.MAPPER.readTree(gw.catalogues.get(digest))).isEqualTo(CATALOGUE);

        // a restarted worker with the same catalogue: the digest alone
        new CatalogueReporter(new GatewayClient(endpoints)).report(CATALOGUE);
        assertThat(gw.requests("POST", "/catalogue/")).hasSize(3);
        assertThat(gw.requests("POST", "/catalogue/").getLast().body()).isEmpty();
    }

    @Test
    void aCatalogueIsReportedOnceUntilItChanges() {
        CatalogueReporter reporter = new CatalogueReporter(new GatewayClient(endpoints));
        reporter.report(CATALOGUE);
        reporter.report(CATALOGUE.deepCopy());
        assertThat(gw.requests("POST", "/catalogue/")).hasSize(2);

        JsonNode changed = CATALOGUE.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) changed).putObject("NewNode");
        reporter.report(changed);
        assertThat(gw.requests("POST", "/catalogue/")).hasSize(4);
    }

    @Test
    void aGatewayWithoutTheExtensionIsAskedOnceAndNothingFails() {
        gw.catalogueStatus = 404;
        CatalogueReporter reporter = new CatalogueReporter(new GatewayClient(endpoints));
        reporter.report(CATALOGUE);
        JsonNode changed = CATALOGUE.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) changed).putObject("NewNode");
        reporter.report(changed);
        assertThat(gw.requests("POST", "/catalogue/")).hasSize(1);
    }

    @Test
    void anUnreachableGatewayIsTriedAgainWithTheNextReport() {
        gw.catalogueStatus = 503;
        CatalogueReporter reporter = new CatalogueReporter(new GatewayClient(endpoints));
        reporter.report(CATALOGUE);
        gw.catalogueStatus = 0;
        reporter.report(CATALOGUE);
        assertThat(gw.requests("POST", "/catalogue/")).hasSize(3);
        assertThat(gw.catalogues).hasSize(1);
    }
}
