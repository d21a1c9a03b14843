package io.comfyfleet.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.PostgresPerTest;
import io.comfyfleet.gateway.support.TestGateway;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two gateways on one (embedded, real) PostgreSQL whose fleets both see the same workers become ready (Kubernetes:
 * every gateway follows every pod; one hears a worker's first job-take, the other sees it on the worker board or
 * hears a later job-take). Prometheus sums {@code comfyfleet_worker_cold_start_seconds} over the replicas, so each
 * cold start is counted by one gateway only: the one whose report the store kept, with the duration it reported.
 * (Before, each gateway that saw it counted it.)
 */
class ColdStartsOnTwoGatewaysTest extends PostgresPerTest {
    private static final String COUNT = "comfyfleet_worker_cold_start_seconds_count";
    private static final String SUM = "comfyfleet_worker_cold_start_seconds_sum";

    @Test
    void aColdStartSeenByBothGatewaysIsCountedOnceAcrossThem() {
        String store = storeYaml();
        try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
            a.gateway.fleetMetrics().coldStart("ep1", "w1", Duration.ofSeconds(7));
            Awaitility.await("A's report of w1 is stored first").atMost(Duration.ofSeconds(10))
                    .until(() -> coldStartsShown(a) == 1);
            // B's fleet sees w1 become ready a moment later, and w2 before anyone else
            b.gateway.fleetMetrics().coldStart("ep1", "w1", Duration.ofSeconds(8));
            b.gateway.fleetMetrics().coldStart("ep1", "w2", Duration.ofSeconds(3));
            // both gateways' fleets see w3..w12 become ready at once: their stores race, one wins each
            for (int i = 3; i <= 12; i++) {
                a.gateway.fleetMetrics().coldStart("ep1", "w" + i, Duration.ofSeconds(20));
                b.gateway.fleetMetrics().coldStart("ep1", "w" + i, Duration.ofSeconds(20));
            }
            for (TestGateway g : List.of(a, b)) {
                Awaitility.await("gateway " + g.gateway.id() + " has written and read every report")
                        .atMost(Duration.ofSeconds(15)).until(() -> coldStartsShown(g) == 12);
            }

            Awaitility.await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Scrape atA = scrape(a);
                Scrape atB = scrape(b);
                assertThat(atA.sum(COUNT, "endpoint", "ep1") + atB.sum(COUNT, "endpoint", "ep1"))
                        .as("cold starts counted by A and B together\nA:\n%s\nB:\n%s", atA, atB).isEqualTo(12);
                assertThat(atA.sum(SUM, "endpoint", "ep1") + atB.sum(SUM, "endpoint", "ep1"))
                        .as("w1 counted with the first report's 7 s, w2 with 3 s, ten times 20 s").isEqualTo(210.0);
                assertThat(atB.sum(COUNT, "endpoint", "ep1")).as("B counted w2, whose first report it made")
                        .isGreaterThanOrEqualTo(1);
            });
        }
    }

    private static int coldStartsShown(TestGateway g) {
        return g.client.get("/dashboard/api/series").json().path("coldStarts").size();
    }

    private static Scrape scrape(TestGateway g) {
        Reply reply = g.client.withKey(null).get("/metrics");
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return new Scrape(reply.text());
    }
}
