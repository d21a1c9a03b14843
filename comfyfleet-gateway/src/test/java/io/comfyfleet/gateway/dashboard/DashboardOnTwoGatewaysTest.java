package io.comfyfleet.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.PostgresPerTest;
import io.comfyfleet.gateway.support.TestGateway;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two gateways on one (embedded, real) PostgreSQL behind a load balancer, which sends each of the dashboard's polls
 * to either, and each of a worker's calls to either: the dashboard shows the same on both. The job-times chart
 * counts the jobs taken and ended through both, once each (before, each gateway charted only the jobs that passed
 * through it, so the chart changed from one poll to the next); a running job's latest preview frame shows on both,
 * whichever gateway the worker posted it to; a worker's cold start shows on both, whichever gateway's fleet saw
 * it end.
 */
class DashboardOnTwoGatewaysTest extends PostgresPerTest {
    @Test
    void theJobTimesChartCountsTheJobsOfBothGatewaysOnEach() {
        String store = storeYaml();
        try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
            // one job submitted to A and run through B, one submitted to B and run through A
            String first = a.run("{\"n\":1}");
            assertThat(b.take("w1")).isEqualTo(first);
            b.clock.advance(Duration.ofMillis(400));
            assertThat(b.worker.post("/v2/ep1/job-done/w1/" + first, "{\"output\":{\"ok\":true}}").status())
                    .isEqualTo(200);
            String second = b.run("{\"n\":2}");
            assertThat(a.take("w2")).isEqualTo(second);
            assertThat(a.worker.post("/v2/ep1/job-done/w2/" + second, "{\"output\":{\"ok\":true}}").status())
                    .isEqualTo(200);

            for (TestGateway g : List.of(a, b)) {
                Awaitility.await("gateway " + g.gateway.id() + " charts both jobs").atMost(Duration.ofSeconds(15))
                        .untilAsserted(() -> {
                            JsonNode times = g.client.get("/dashboard/api/series").json().path("times");
                            assertThat(sum(times, "delays")).as("%s", times).isEqualTo(2);
                            assertThat(sum(times, "executions")).as("%s", times).isEqualTo(2);
                        });
            }
            // read again and again: still each job once
            Awaitility.await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (TestGateway g : List.of(a, b)) {
                    JsonNode times = g.client.get("/dashboard/api/series").json().path("times");
                    assertThat(sum(times, "delays")).isEqualTo(2);
                    assertThat(sum(times, "executions")).isEqualTo(2);
                }
            });
        }
    }

    @Test
    void aRunningJobsLatestPreviewShowsOnBothGatewaysWhicheverTheWorkerPostedItTo() {
        String store = storeYaml();
        try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
            String id = a.run("{\"n\":1}");
            assertThat(b.take("w1")).isEqualTo(id);
            assertThat(b.worker.post("/v2/ep1/job-done/w1/" + id, progress(10, FRAME)).status()).isEqualTo(200);
            // the next update, without a frame, reaches the other gateway: the frame is still the latest
            assertThat(a.worker.post("/v2/ep1/job-done/w1/" + id, progress(20, null)).status()).isEqualTo(200);

            for (TestGateway g : List.of(a, b)) {
                Awaitility.await("gateway " + g.gateway.id() + " shows the frame").atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> {
                            JsonNode running = g.client.get("/dashboard/api/overview").json().path("running");
                            assertThat(running).as("%s", running).hasSize(1);
                            assertThat(running.get(0).path("preview").asString(null)).isEqualTo(FRAME);
                            assertThat(running.get(0).path("progress").path("percent").asInt()).isEqualTo(20);
                            assertThat(g.client.get("/dashboard/api/jobs/" + id).json().path("preview")
                                    .asString(null)).isEqualTo(FRAME);
                        });
            }

            String newer = "data:image/png;base64,iVBORw0KGgo=";
            assertThat(a.worker.post("/v2/ep1/job-done/w1/" + id, progress(30, newer)).status()).isEqualTo(200);
            for (TestGateway g : List.of(a, b)) {
                Awaitility.await("gateway " + g.gateway.id() + " shows the newer frame").atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(g.client.get("/dashboard/api/overview").json()
                                .path("running").path(0).path("preview").asString(null)).isEqualTo(newer));
            }

            assertThat(b.worker.post("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"ok\":true}}").status())
                    .isEqualTo(200);
            for (TestGateway g : List.of(a, b)) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(g.client.get("/dashboard/api/overview").json().path("running")).isEmpty();
                    assertThat(g.client.get("/dashboard/api/jobs/" + id).json().has("preview")).isFalse();
                });
            }
        }
    }

    @Test
    void aWorkersColdStartShowsOnBothGatewaysWhicheverHeardItFirst() {
        String store = storeYaml();
        try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
            String id = a.run("{\"n\":1}");
            assertThat(a.take("w1")).isEqualTo(id);
            // what the fleet link does at A when w1's first job-take there ends its cold start
            a.gateway.fleetMetrics().coldStart("ep1", "w1", Duration.ofSeconds(7));

            for (TestGateway g : List.of(a, b)) {
                Awaitility.await("gateway " + g.gateway.id() + " shows w1's cold start").atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> {
                            JsonNode workers = g.client.get("/dashboard/api/overview").json().path("workers");
                            assertThat(workers).as("%s", workers).hasSize(1);
                            assertThat(workers.get(0).path("id").asString()).isEqualTo("w1");
                            assertThat(workers.get(0).path("coldStartMs").asLong()).isEqualTo(7000);
                            JsonNode colds = g.client.get("/dashboard/api/series").json().path("coldStarts");
                            assertThat(colds).as("%s", colds).hasSize(1);
                            assertThat(colds.get(0).path("ms").asLong()).isEqualTo(7000);
                            assertThat(colds.get(0).path("workerId").asString()).isEqualTo("w1");
                            assertThat(colds.get(0).path("endpoint").asString()).isEqualTo("ep1");
                        });
            }
            // B's fleet sees w1 become ready too, a moment later: the first report stays, on both, once
            b.gateway.fleetMetrics().coldStart("ep1", "w1", Duration.ofSeconds(8));
            Awaitility.await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (TestGateway g : List.of(a, b)) {
                    JsonNode colds = g.client.get("/dashboard/api/series").json().path("coldStarts");
                    assertThat(colds).as("%s", colds).hasSize(1);
                    assertThat(colds.get(0).path("ms").asLong()).isEqualTo(7000);
                }
            });
        }
    }

    /**
     * The dashboard shows no message of its own about a purge: the purged jobs are deleted from the store, so both
     * gateways' counts, charts and job lists lose them at once. (Only {@code /status} of a purged job says "purged",
     * for a while, on the gateway that purged; see gateway.md.)
     */
    @Test
    void aPurgeAtOneGatewayShowsTheSameOnBoth() {
        String store = storeYaml();
        try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
            String kept = a.run("{\"n\":0}");
            assertThat(a.take("w1")).isEqualTo(kept);
            a.run("{\"n\":1}");
            b.run("{\"n\":2}");
            assertThat(b.client.post("/v2/ep1/purge-queue", "{}").json().path("removed").asInt()).isEqualTo(2);

            for (TestGateway g : List.of(a, b)) {
                JsonNode card = g.client.get("/dashboard/api/overview").json().path("endpoints").path(0);
                assertThat(card.path("jobs").path("inQueue").asInt()).isZero();
                assertThat(card.path("jobs").path("inProgress").asInt()).isEqualTo(1);
                JsonNode jobs = g.client.get("/dashboard/api/jobs").json().path("jobs");
                assertThat(jobs).hasSize(1);
                assertThat(jobs.get(0).path("id").asString()).isEqualTo(kept);
            }
        }
    }

    private static final String FRAME = "data:image/jpeg;base64,/9j/4AAQSkZJRg==";

    private static String progress(int percent, String frame) {
        return "{\"status\":\"IN_PROGRESS\",\"output\":{\"percent\":" + percent
                + (frame == null ? "" : ",\"preview\":\"" + frame + "\"") + "}}";
    }

    private static int sum(JsonNode buckets, String field) {
        int total = 0;
        for (JsonNode bucket : buckets) {
            total += bucket.path(field).asInt();
        }
        return total;
    }
}
