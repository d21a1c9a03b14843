package io.comfyfleet.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.GatewayPerTest;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The dashboard's JSON routes: keys, what each key sees, filters, and the page itself. */
class DashboardApiTest extends GatewayPerTest {
    @Test
    void everyDataRouteAnswers401WithoutAValidClientKey() {
        Api anonymous = gw.client.withKey(null);
        for (String route : new String[] {"/dashboard/api/overview", "/dashboard/api/jobs", "/dashboard/api/series"}) {
            assertThat(anonymous.get(route).status()).as(route).isEqualTo(401);
            assertThat(gw.client.withKey(TestGateway.WORKER_KEY).get(route).status()).as("worker key on " + route).isEqualTo(401);
            assertThat(gw.client.get(route).status()).as(route).isEqualTo(200);
        }
    }

    @Test
    void thePageIsPublicAndHoldsNoData() {
        Reply page = gw.client.withKey(null).get("/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(t -> assertThat(t).contains("connect-src 'self'"));
        assertThat(page.text()).contains("/dashboard/dashboard.js").doesNotContain("ep1");
        assertThat(gw.client.withKey(null).get("/dashboard/dashboard.js").status()).isEqualTo(200);
    }

    @Test
    void aKeySeesOnlyTheEndpointsItOpensAndNoKeys() {
        gw.run("{}");
        Reply mine = gw.client.get("/dashboard/api/overview");
        Reply theirs = gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/dashboard/api/overview");

        assertThat(mine.json().path("endpoints").findValuesAsString("name")).containsExactly("ep1");
        assertThat(theirs.json().path("endpoints").findValuesAsString("name")).containsExactly("ep2");
        assertThat(mine.text()).doesNotContain(TestGateway.CLIENT_KEY, TestGateway.WORKER_KEY, TestGateway.WEBHOOK_SECRET);
        JsonNode ep1 = mine.json().path("endpoints").get(0);
        assertThat(ep1.path("jobs").path("inQueue").asInt()).isEqualTo(1);
        assertThat(ep1.path("settings").path("maxRetries").asInt()).isEqualTo(1);
        assertThat(ep1.path("settings").path("webhooksSigned").asBoolean()).isTrue();
        assertThat(gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/dashboard/api/jobs").json().path("jobs")).isEmpty();
    }

    @Test
    void anEndpointsCardSaysWhyItsLastWorkerGaveUpForHalfAnHour() {
        assertThat(gw.client.get("/dashboard/api/overview").json().path("endpoints").get(0).has("lastWorkerFailure"))
                .isFalse();
        gw.worker.get("/v2/ep1/ping/w-7?status=unhealthy&check=comfyui_start&reason=ComfyUI%20did%20not%20start");
        gw.clock.advance(Duration.ofMinutes(3));

        JsonNode failure = gw.client.get("/dashboard/api/overview").json().path("endpoints").get(0)
                .path("lastWorkerFailure");
        assertThat(failure.path("workerId").asString()).isEqualTo("w-7");
        assertThat(failure.path("check").asString()).isEqualTo("comfyui_start");
        assertThat(failure.path("reason").asString()).isEqualTo("ComfyUI did not start");
        assertThat(failure.path("agoMs").asLong()).isEqualTo(Duration.ofMinutes(3).toMillis());
        assertThat(gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/dashboard/api/overview").json()
                .path("endpoints").get(0).has("lastWorkerFailure")).as("another endpoint's card").isFalse();

        gw.clock.advance(Duration.ofMinutes(28));
        assertThat(gw.client.get("/dashboard/api/overview").json().path("endpoints").get(0).has("lastWorkerFailure"))
                .as("gone after 30 minutes").isFalse();
    }

    @Test
    void jobsAreNewestFirstAndFilterByStatus() {
        String first = gw.run("{}");
        String second = gw.run("{}");
        gw.clock.advance(Duration.ofSeconds(1));
        assertThat(gw.take("w1")).isEqualTo(first);
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + first, "{\"output\":1}");

        assertThat(ids(gw.client.get("/dashboard/api/jobs"))).containsExactly(second, first);
        assertThat(ids(gw.client.get("/dashboard/api/jobs?status=COMPLETED"))).containsExactly(first);
        assertThat(ids(gw.client.get("/dashboard/api/jobs?status=IN_QUEUE&endpoint=ep1"))).containsExactly(second);
        JsonNode done = gw.client.get("/dashboard/api/jobs?status=COMPLETED").json().path("jobs").get(0);
        // submitted at 0 ms, the clock moved 1 ms after each of the two runs, then 1 s before the take
        assertThat(done.path("delayTime").asLong()).isEqualTo(1002);
        assertThat(done.path("workerId").asString()).isEqualTo("w1");
    }

    @Test
    void aJobsDetailHasItsFullErrorAndWorkflowAndOnlyItsEndpointsKeysSeeIt() {
        String id = gw.run("{\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{}},"
                + "\"2\":{\"class_type\":\"SaveImage\",\"inputs\":{}}}}");
        gw.clock.advance(Duration.ofSeconds(1));
        assertThat(gw.take("w1")).isEqualTo(id);
        String longError = "node 2 (SaveImage): " + "x".repeat(3000) + "\nTraceback: line 2";
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id,
                tools.jackson.databind.json.JsonMapper.builder().build().createObjectNode().put("error", longError).toString());

        Reply mine = gw.client.get("/dashboard/api/jobs/" + id);
        Reply theirs = gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/dashboard/api/jobs/" + id);

        assertThat(mine.status()).as(mine.text()).isEqualTo(200);
        assertThat(mine.json().path("status").asString()).isEqualTo("FAILED");
        assertThat(mine.json().path("error").asString()).isEqualTo(longError);
        assertThat(mine.json().path("nodes").findValuesAsString("classType")).containsExactly("EmptyImage", "SaveImage");
        assertThat(mine.json().path("startedAt").asString()).isNotBlank();
        assertThat(theirs.status()).as("another endpoint's key").isEqualTo(404);
        assertThat(gw.client.get("/dashboard/api/jobs/no-such-job").status()).isEqualTo(404);
        assertThat(gw.client.withKey(null).get("/dashboard/api/jobs/" + id).status()).isEqualTo(401);
    }

    @Test
    void badFiltersAreTypedErrorsThatSayWhatToChange() {
        Reply status = gw.client.get("/dashboard/api/jobs?status=DONE");
        Reply limit = gw.client.get("/dashboard/api/jobs?limit=0");
        Reply endpoint = gw.client.get("/dashboard/api/jobs?endpoint=ep2");

        assertThat(status.status()).isEqualTo(400);
        assertThat(status.field("error")).contains("?status must be ALL or one of", "COMPLETED", "\"DONE\"");
        assertThat(limit.status()).isEqualTo(400);
        assertThat(limit.field("error")).contains("?limit must be from 1 to 500");
        assertThat(endpoint.status()).as("ep2 exists but this key does not open it").isEqualTo(404);
        // the first used to win silently: the caller saw FAILED jobs and believed it saw both
        Reply twice = gw.client.get("/dashboard/api/jobs?status=FAILED&status=COMPLETED");
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.field("error")).isEqualTo("?status is given 2 times (\"FAILED\", \"COMPLETED\"); this route"
                + " reads one value: give it once");
    }

    @Test
    void aRunningJobShowsTheWorkersProgressAndKeepsItsLatestPreview() {
        String id = gw.run("{}");
        gw.take("w1");
        String frame = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==";
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"status\":\"IN_PROGRESS\",\"output\":{\"percent\":10,\"preview\":\"" + frame + "\"}}");
        // the worker leaves the frame out of later updates until ComfyUI makes a new one
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"status\":\"IN_PROGRESS\",\"output\":{\"percent\":55.5,"
                + "\"node_id\":\"3\",\"node_type\":\"KSampler\",\"step\":11,\"max_steps\":20}}");

        JsonNode running = gw.client.get("/dashboard/api/overview").json().path("running").get(0);

        assertThat(running.path("id").asString()).isEqualTo(id);
        assertThat(running.path("preview").asString()).isEqualTo(frame);
        assertThat(running.path("progress").path("percent").asDouble()).isEqualTo(55.5);
        assertThat(running.path("progress").path("nodeType").asString()).isEqualTo("KSampler");
        assertThat(running.path("progress").path("step").asInt()).isEqualTo(11);
        assertThat(running.path("progress").path("maxSteps").asInt()).isEqualTo(20);
        JsonNode worker = gw.client.get("/dashboard/api/overview").json().path("workers").get(0);
        assertThat(worker.path("id").asString()).isEqualTo("w1");
        assertThat(worker.path("state").asString()).isEqualTo("running");
        assertThat(worker.path("lastJob").asString()).isEqualTo(id);

        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}");
        assertThat(gw.client.get("/dashboard/api/overview").json().path("running")).isEmpty();
    }

    @Test
    void aPreviewThatIsNotAnInlineImageIsNeverShown() {
        String id = gw.run("{}");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id,
                "{\"status\":\"IN_PROGRESS\",\"output\":{\"percent\":10,\"preview\":\"javascript:alert(1)\"}}");

        JsonNode running = gw.client.get("/dashboard/api/overview").json().path("running").get(0);

        assertThat(running.has("preview")).isFalse();
        assertThat(running.path("progress").path("percent").asDouble()).isEqualTo(10);
    }

    @Test
    void theChartSeriesSumsOnlyTheEndpointsTheKeyOpens() {
        gw.run("{}");
        gw.run("{}");
        gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).post("/v2/ep2/run", "{\"input\":{}}");

        // the sampler runs every 2 s in real time
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode series = gw.client.get("/dashboard/api/series").json();
            assertThat(series.path("intervalMs").asLong()).isEqualTo(Dashboard.SAMPLE_INTERVAL.toMillis());
            assertThat(series.path("capacity").asInt()).isEqualTo(450);
            JsonNode last = series.path("points").get(series.path("points").size() - 1);
            assertThat(last.path("queued").asInt()).isEqualTo(2);
            JsonNode theirs = gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/dashboard/api/series").json().path("points");
            assertThat(theirs.get(theirs.size() - 1).path("queued").asInt()).isEqualTo(1);
        });
    }

    @Test
    void jobTimesAndColdStartsComeFromTheJobsAndTheFleetOfTheKeysEndpointsOnly() {
        String id = gw.run("{}");
        gw.clock.advance(Duration.ofSeconds(3));
        assertThat(gw.take("w1")).isEqualTo(id);
        gw.gateway.fleetMetrics().coldStart("ep1", "w1", Duration.ofSeconds(9));
        gw.gateway.fleetMetrics().coldStart("ep2", "w2", Duration.ofSeconds(5));
        gw.clock.advance(Duration.ofMillis(1500));
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\": {}}").status()).isEqualTo(200);

        JsonNode series = gw.client.get("/dashboard/api/series").json();
        assertThat(series.path("bucketMs").asLong()).isEqualTo(Dashboard.TIMES_BUCKET.toMillis());
        assertThat(series.path("windowMs").asLong()).isEqualTo(Dashboard.HISTORY.toMillis());
        assertThat(series.path("now").asLong()).isEqualTo(gw.clock.millis());
        JsonNode last = series.path("times").get(series.path("times").size() - 1);
        assertThat(last.path("delays").asInt()).isEqualTo(1);
        // (the store keeps a job's times to the millisecond the gateway's clock gave it, a tick apart at most)
        assertThat(last.path("delayP50").asLong()).isCloseTo(3000, org.assertj.core.data.Offset.offset(5L));
        assertThat(last.path("delayP95").asLong()).isEqualTo(last.path("delayP50").asLong());
        assertThat(last.path("executionP95").asLong()).isCloseTo(1500, org.assertj.core.data.Offset.offset(5L));
        assertThat(series.path("times").get(0).path("delayP50").isNull()).as("no job long ago").isTrue();
        assertThat(series.path("coldStarts").findValuesAsString("workerId")).containsExactly("w1");
        assertThat(series.path("coldStarts").get(0).path("ms").asLong()).isEqualTo(9000);

        JsonNode theirs = gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/dashboard/api/series").json();
        assertThat(theirs.path("coldStarts").findValuesAsString("workerId")).containsExactly("w2");
        assertThat(theirs.path("times").findValues("delays")).allSatisfy(n -> assertThat(n.asInt()).isZero());
    }

    @Test
    void aRestartedGatewaysJobTimesChartShowsTheJobsOfTheWindowBeforeIt() {
        String id = gw.run("{}");
        gw.clock.advance(Duration.ofSeconds(3));
        assertThat(gw.take("w1")).isEqualTo(id);
        gw.clock.advance(Duration.ofSeconds(2));
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\": {}}").status()).isEqualTo(200);
        gw.close();

        gw = new TestGateway(dir); // the same SQLite file; its clock starts where the first one's did
        gw.clock.advance(Duration.ofSeconds(10));

        JsonNode times = gw.client.get("/dashboard/api/series").json().path("times");
        assertThat(times.findValues("delays").stream().mapToInt(JsonNode::asInt).sum()).as("takes").isEqualTo(1);
        assertThat(times.findValues("executions").stream().mapToInt(JsonNode::asInt).sum()).as("ends").isEqualTo(1);
        assertThat(times.findValues("delayP50").stream().filter(n -> !n.isNull()).map(JsonNode::asLong))
                .singleElement().satisfies(ms -> assertThat(ms).isCloseTo(3000L, org.assertj.core.data.Offset.offset(5L)));

        String next = gw.run("{}");
        assertThat(gw.take("w2")).isEqualTo(next);
        JsonNode after = gw.client.get("/dashboard/api/series").json().path("times");
        assertThat(after.findValues("delays").stream().mapToInt(JsonNode::asInt).sum())
                .as("the old take once, the new one once").isEqualTo(2);
    }

    private static java.util.List<String> ids(Reply reply) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json().path("jobs").findValuesAsString("id");
    }
}
