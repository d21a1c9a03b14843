package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.GatewayPerTest;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The client API over real HTTP and a real SQLite file: every route and the job's way through its states. */
class ClientApiTest extends GatewayPerTest {
    @Test
    void aJobGoesFromQueueThroughProgressToCompleted() {
        Reply run = gw.client.post("/v2/ep1/run", "{\"input\":{\"prompt\":\"a cat\"}}");
        assertThat(run.status()).isEqualTo(200);
        String id = run.field("id");
        assertThat(id).matches("[0-9a-f-]{36}-u1");
        assertThat(run.json().properties()).hasSize(2);
        assertThat(run.field("status")).isEqualTo("IN_QUEUE");

        Reply queued = gw.status(id);
        assertThat(queued.field("status")).isEqualTo("IN_QUEUE");
        assertThat(queued.json().has("output")).isFalse();
        assertThat(queued.json().path("retries").asInt()).isZero();

        gw.clock.advance(Duration.ofMillis(1500));
        Reply taken = gw.worker.get("/v2/ep1/job-take/w1?gpu=SIM&job_in_progress=0");
        assertThat(taken.status()).isEqualTo(200);
        assertThat(taken.field("id")).isEqualTo(id);
        assertThat(taken.json().path("input").path("prompt").asString()).isEqualTo("a cat");

        Reply running = gw.status(id);
        assertThat(running.field("status")).isEqualTo("IN_PROGRESS");
        assertThat(running.field("workerId")).isEqualTo("w1");
        assertThat(running.json().path("delayTime").asLong()).isEqualTo(1500);

        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id + "?gpu=SIM&isStream=false",
                "{\"status\":\"IN_PROGRESS\",\"output\":\"step 1/3\"}").status()).isEqualTo(200);
        assertThat(gw.status(id).json().path("output").asString()).isEqualTo("step 1/3");

        gw.clock.advance(Duration.ofMillis(3391));
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id + "?gpu=SIM&isStream=false",
                "{\"output\":{\"images\":[\"x.png\"]}}").status()).isEqualTo(200);
        Reply done = gw.status(id);
        assertThat(done.field("status")).isEqualTo("COMPLETED");
        assertThat(done.json().path("output").path("images").get(0).asString()).isEqualTo("x.png");
        assertThat(done.json().path("executionTime").asLong()).isEqualTo(3391);
        assertThat(done.json().path("delayTime").asLong()).isEqualTo(1500);
        assertThat(done.json().has("error")).isFalse();

        // progress arriving after the result (RunPod's fire-and-forget progress thread) changes nothing
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"status\":\"IN_PROGRESS\",\"output\":\"late\"}")
                .status()).isEqualTo(200);
        assertThat(gw.status(id).json().path("output").path("images").isArray()).isTrue();
    }

    @Test
    void anErrorEndsTheJobFailedAndRetryQueuesItAgainUnderTheSameId() {
        String id = gw.run("{\"n\":1}");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"detail\":\"x\"},\"error\":\"bad seed\"}");

        Reply failed = gw.status(id);
        assertThat(failed.field("status")).isEqualTo("FAILED");
        assertThat(failed.field("error")).isEqualTo("bad seed");
        assertThat(failed.json().path("output").path("detail").asString()).isEqualTo("x");

        Reply retried = gw.client.post("/v2/ep1/retry/" + id, null);
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.field("id")).isEqualTo(id);
        assertThat(retried.field("status")).isEqualTo("IN_QUEUE");
        Reply again = gw.status(id);
        assertThat(again.json().has("output")).isFalse();
        assertThat(again.json().has("error")).isFalse();
        assertThat(gw.take("w2")).isEqualTo(id);

        // only FAILED and TIMED_OUT jobs may be retried
        Reply conflict = gw.client.post("/v2/ep1/retry/" + id, "{}");
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.field("error")).contains("IN_PROGRESS");
    }

    @Test
    void runsyncAnswersWithTheResultWhenTheWorkerIsFastEnough() throws Exception {
        var answer = CompletableFuture.supplyAsync(
                () -> gw.client.post("/v2/ep1/runsync?wait=30000", "{\"input\":{\"q\":2}}"));
        String id = gw.take("w1");
        assertThat(id).startsWith("sync-");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":4}");

        Reply reply = answer.get(20, TimeUnit.SECONDS);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.field("id")).isEqualTo(id);
        assertThat(reply.field("status")).isEqualTo("COMPLETED");
        assertThat(reply.json().path("output").asInt()).isEqualTo(4);
        assertThat(reply.field("workerId")).isEqualTo("w1");
    }

    @Test
    void anEmptyStreamPollWithoutWaitIsHeldFiveSecondsWithinThePythonSdksTimeout() throws Exception {
        String id = gw.run("{}");
        gw.take("w1");
        // RunPod's Python SDK reads /stream with requests' timeout=10 (s), as here; its JS SDK polls in a tight loop
        long started = System.nanoTime();
        Reply empty = gw.client.send(gw.client.request("/v2/ep1/stream/" + id).timeout(Duration.ofSeconds(10)).GET());
        Duration held = Duration.ofNanos(System.nanoTime() - started);
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json().path("stream").size()).isZero();
        assertThat(held).as("held, so no SDK busy-polls, and answered well within Python's 10 s")
                .isBetween(Duration.ofMillis(4_500), Duration.ofSeconds(8));

        var polling = CompletableFuture.supplyAsync(() -> gw.client.send(
                gw.client.request("/v2/ep1/stream/" + id).timeout(Duration.ofSeconds(10)).GET()));
        Thread.sleep(200);
        long posted = System.nanoTime();
        gw.worker.post("/v2/ep1/job-stream/w1/" + id, "{\"output\":\"tick\"}");
        assertThat(polling.get(10, TimeUnit.SECONDS).json().path("stream").toString())
                .isEqualTo("[{\"output\":\"tick\"}]");
        assertThat(Duration.ofNanos(System.nanoTime() - posted)).as("answered when the chunk came")
                .isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void runsyncAnswers200WithTheQueuedStatusWhenTheWaitRunsOut() {
        // 1 ms is clamped to RunPod's minimum of 1000 ms
        long started = System.nanoTime();
        Reply reply = gw.client.post("/v2/ep1/runsync?wait=1", "{\"input\":{}}");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.field("status")).isEqualTo("IN_QUEUE");
        assertThat(reply.field("id")).startsWith("sync-");
    }

    @Test
    void statusSyncIsWokenByTheResultAndStatusAnswersAtOnce() throws Exception {
        String id = gw.run("{}");
        gw.take("w1");
        var waiting = CompletableFuture.supplyAsync(() -> gw.client.get("/v2/ep1/status-sync/" + id + "?wait=60000"));
        var waitingPost = CompletableFuture.supplyAsync(() -> gw.client.post("/v2/ep1/status-sync/" + id + "?wait=60000", null));
        // both long-polls are waiting: the result below must wake them, not their wait running out
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.waitingOnJob(id) == 2);
        assertThat(waiting).isNotDone();
        assertThat(gw.client.post("/v2/ep1/status/" + id, null).field("status")).isEqualTo("IN_PROGRESS");

        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":\"ok\"}");
        assertThat(waiting.get(10, TimeUnit.SECONDS).field("status")).isEqualTo("COMPLETED");
        assertThat(waitingPost.get(10, TimeUnit.SECONDS).field("status")).isEqualTo("COMPLETED");
    }

    @Test
    void streamDrainsChunksSinceTheLastCallAndAlwaysHasAStreamArray() throws Exception {
        String id = gw.run("{}");
        gw.take("w1");
        for (String chunk : new String[] {"\"a\"", "\"b\"", "{\"c\":3}"}) {
            assertThat(gw.worker.post("/v2/ep1/job-stream/w1/" + id + "?isStream=false", "{\"output\":" + chunk + "}")
                    .status()).isEqualTo(200);
        }
        Reply first = gw.client.get("/v2/ep1/stream/" + id);
        assertThat(first.field("status")).isEqualTo("IN_PROGRESS");
        assertThat(first.json().path("stream").toString()).isEqualTo("[{\"output\":\"a\"},{\"output\":\"b\"},{\"output\":{\"c\":3}}]");

        // an empty poll is held until a chunk comes
        var held = CompletableFuture.supplyAsync(() -> gw.client.post("/v2/ep1/stream/" + id + "?wait=60000", null));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.waitingOnJob(id) == 1);
        assertThat(held).isNotDone();
        gw.worker.post("/v2/ep1/job-stream/w1/" + id, "{\"output\":\"d\"}");
        assertThat(held.get(10, TimeUnit.SECONDS).json().path("stream").toString()).isEqualTo("[{\"output\":\"d\"}]");

        // ... or until its wait runs out, and then answers an empty array
        Reply empty = gw.client.get("/v2/ep1/stream/" + id + "?wait=1000");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.json().path("stream").isArray()).isTrue();
        assertThat(empty.json().path("stream").size()).isZero();

        gw.worker.post("/v2/ep1/job-stream/w1/" + id, "{\"output\":\"e\"}");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id + "?isStream=true", "{\"output\":[]}");
        Reply last = gw.client.get("/v2/ep1/stream/" + id);
        assertThat(last.field("status")).isEqualTo("COMPLETED");
        assertThat(last.json().path("stream").toString()).isEqualTo("[{\"output\":\"e\"}]");
        // a finished job answers at once, with nothing left
        Reply after = gw.client.get("/v2/ep1/stream/" + id + "?wait=60000");
        assertThat(after.json().path("stream").size()).isZero();
        // a chunk for a finished job is dropped
        gw.worker.post("/v2/ep1/job-stream/w1/" + id, "{\"output\":\"late\"}");
        assertThat(gw.client.get("/v2/ep1/stream/" + id).json().path("stream").size()).isZero();
    }

    @Test
    void cancelRemovesAQueuedJobAndStopsARunningOne() throws Exception {
        String queued = gw.run("{}");
        Reply cancelled = gw.client.post("/v2/ep1/cancel/" + queued, "{}");
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.field("id")).isEqualTo(queued);
        assertThat(cancelled.field("status")).isEqualTo("CANCELLED");

        String running = gw.run("{}");
        assertThat(gw.take("w1")).isEqualTo(running);
        var stopPoll = CompletableFuture.supplyAsync(() -> gw.worker.get("/v2/ep1/job-stop/w1?gpu=SIM"));
        assertThat(gw.client.post("/v2/ep1/cancel/" + running, null).field("status")).isEqualTo("CANCELLED");
        Reply stop = stopPoll.get(10, TimeUnit.SECONDS);
        assertThat(stop.status()).isEqualTo(200);
        assertThat(stop.json().path("jobsToStop").toString()).isEqualTo("[\"" + running + "\"]");
        assertThat(gw.status(running).field("status")).isEqualTo("CANCELLED");

        // the stopped worker's late result is refused and does not change the job
        Reply late = gw.worker.postAsForm("/v2/ep1/job-done/w1/" + running, "{\"output\":1}");
        assertThat(late.status()).isEqualTo(409);
        assertThat(gw.status(running).field("status")).isEqualTo("CANCELLED");

        assertThat(gw.client.post("/v2/ep1/cancel/" + running, null).status()).isEqualTo(409);
    }

    @Test
    void purgeQueueRemovesOnlyQueuedJobs() {
        String a = gw.run("{}");
        gw.run("{}");
        gw.run("{}");
        assertThat(gw.take("w1")).isEqualTo(a);

        Reply purge = gw.client.post("/v2/ep1/purge-queue", "{}");
        assertThat(purge.status()).isEqualTo(200);
        assertThat(purge.json().toString()).isEqualTo("{\"removed\":2,\"status\":\"completed\"}");
        assertThat(gw.status(a).field("status")).isEqualTo("IN_PROGRESS");
        assertThat(gw.client.get("/v2/ep1/health").json().path("jobs").path("inQueue").asInt()).isZero();
    }

    @Test
    void healthCountsJobsAndTheWorkersThatPolled() {
        String done = gw.run("{}");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + done, "{\"output\":1}");
        String failed = gw.run("{}");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + failed, "{\"error\":\"boom\"}");
        gw.run("{}");
        gw.take("w2");
        gw.run("{}");
        gw.worker.get("/v2/ep1/ping/w3?runpod_version=1.12.0");
        gw.worker.get("/v2/ep1/ping/w4?status=unhealthy&check=gpu&reason=x");
        gw.client.post("/v2/ep1/retry/" + failed, null);

        Reply health = gw.client.get("/v2/ep1/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("jobs").toString())
                .isEqualTo("{\"completed\":1,\"failed\":1,\"inProgress\":1,\"inQueue\":2,\"retried\":1}");
        // w1 finished (its last take said job_in_progress=0), w2 holds a job, w3 pinged idle, w4 is unhealthy
        assertThat(health.json().path("workers").toString()).isEqualTo(
                "{\"idle\":2,\"initializing\":0,\"ready\":3,\"running\":1,\"throttled\":0,\"unhealthy\":1,"
                        + "\"versions\":{}}"); // none of these workers announced a version on its job-take
        // w4's reason, beside the counts, so a client whose job waits can say why without the workers' machine
        assertThat(health.json().path("lastWorkerFailure").path("workerId").asString()).isEqualTo("w4");
        assertThat(health.json().path("lastWorkerFailure").path("check").asString()).isEqualTo("gpu");
        assertThat(health.json().path("lastWorkerFailure").path("reason").asString()).isEqualTo("x");
        assertThat(java.time.Instant.parse(health.json().path("lastWorkerFailure").path("at").asString()))
                .isBeforeOrEqualTo(java.time.Instant.now());
        // another endpoint sees none of it
        Reply other = gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/v2/ep2/health");
        assertThat(other.json().path("jobs").toString())
                .isEqualTo("{\"completed\":0,\"failed\":0,\"inProgress\":0,\"inQueue\":0,\"retried\":0}");
        assertThat(other.json().has("lastWorkerFailure")).isFalse();
    }

    @Test
    void statusWithTtlSetsTheJobsLifespanFromItsSubmission() {
        String id = gw.run("{}");
        Reply set = gw.client.get("/v2/ep1/status/" + id + "?ttl=20000");
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.field("status")).isEqualTo("IN_QUEUE");
        assertThat(gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/v2/ep2/status/" + id + "?ttl=20000")
                .status()).as("another endpoint's job").isEqualTo(404);

        gw.clock.advance(Duration.ofSeconds(19));
        assertThat(gw.status(id).status()).isEqualTo(200);
        gw.clock.advance(Duration.ofSeconds(2));
        assertThat(gw.status(id).status()).as("20 s after submission").isEqualTo(404);

        String ended = gw.run("{}");
        gw.clock.advance(Duration.ofSeconds(15));
        Reply runOut = gw.client.get("/v2/ep1/status/" + ended + "?ttl=10000");
        assertThat(runOut.status()).as("a ttl that has already run out ends the job").isEqualTo(404);
        assertThat(runOut.field("error")).isEqualTo("job " + ended + " does not exist: the ttl given, 10000 ms from its"
                + " submission, had already run out, so it ended and was deleted (a ttl counts from submission, like"
                + " policy.ttl)");

        String other = gw.run("{}");
        Reply tooShort = gw.client.post("/v2/ep1/status/" + other + "?ttl=5", null);
        assertThat(tooShort.status()).isEqualTo(400);
        assertThat(tooShort.field("error")).contains("?ttl must be from 10000 to 604800000, got 5");
        assertThat(gw.client.get("/v2/ep1/status/" + other + "?ttl=soon").status()).isEqualTo(400);
    }

    @Test
    void unknownJobsAndJobsOfOtherEndpointsAre404() {
        String id = gw.run("{}");
        Reply unknown = gw.status("4f0c1c2e-0000-0000-0000-000000000000-u1");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.field("error")).contains("does not exist");
        assertThat(gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/v2/ep2/status/" + id).status()).isEqualTo(404);
        assertThat(gw.status("bad%20id").status()).isEqualTo(404);
        assertThat(gw.client.post("/v2/ep1/cancel/nope", null).status()).isEqualTo(404);
    }

    @Test
    void policyAndS3ConfigReachTheWorkerButTheWebhookDoesNot() {
        Reply run = gw.client.post("/v2/ep1/run", """
                {"input":{"a":1},"webhook":"http://127.0.0.1:9/hook",
                 "policy":{"executionTimeout":60000,"ttl":120000,"lowPriority":true},
                 "s3Config":{"accessId":"id","accessSecret":"s","bucketName":"b","endpointUrl":"http://s3"}}""");
        assertThat(run.status()).isEqualTo(200);
        Reply taken = gw.worker.get("/v2/ep1/job-take/w1");
        assertThat(taken.json().path("policy").toString())
                .isEqualTo("{\"executionTimeout\":60000,\"ttl\":120000,\"lowPriority\":true}");
        assertThat(taken.json().path("s3Config").path("bucketName").asString()).isEqualTo("b");
        assertThat(taken.json().has("webhook")).isFalse();
        assertThat(gw.status(run.field("id")).json().has("s3Config")).isFalse();
    }

    @Test
    void endpointDefaultsFillAMissingPolicy() {
        gw.run("{}");
        Reply taken = gw.worker.get("/v2/ep1/job-take/w1");
        assertThat(taken.json().path("policy").toString())
                .isEqualTo("{\"executionTimeout\":600000,\"ttl\":3600000,\"lowPriority\":false}");
    }
}
