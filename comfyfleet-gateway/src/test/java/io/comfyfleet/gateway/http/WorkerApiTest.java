package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.GatewayPerTest;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** RunPod's worker protocol against a real gateway: long-polls, results, stops, leases, timeouts, TTL, retention. */
class WorkerApiTest extends GatewayPerTest {
    private static final String EP2_WORKER_KEY = "other-worker-key-0123456789";
    private static final java.util.concurrent.ExecutorService POOL =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();


    @Test
    void anEmptyJobTakeIsHeldThen204() {
        long started = System.nanoTime();
        Reply reply = gw.worker.get("/v2/ep1/job-take/w1?gpu=SIM&job_in_progress=0");
        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.text()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(gw.worker.get("/v2/ep1/job-stop/w1?gpu=SIM").status()).isEqualTo(204);
    }

    @Test
    void aWaitingJobTakeIsWokenByANewJob() throws Exception {
        try (TestGateway slow = new TestGateway(dir.resolve("slow"), "  jobTakeHold: 60s")) {
            var waiting = CompletableFuture.supplyAsync(() -> slow.worker.get("/v2/ep1/job-take/w1"));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> slow.gateway.waitingTakers("ep1") == 1);
            long started = System.nanoTime();
            String id = slow.run("{\"x\":1}");
            Reply reply = waiting.get(30, TimeUnit.SECONDS);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.field("id")).isEqualTo(id);
            // woken by the job, far before the 60 s hold would have ended
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void manyWaitingJobTakesAreCheapAndEachGetsOneJob() throws Exception {
        // more long-polls than the HTTP server has platform threads (64): each waits on a virtual thread
        int workers = 150;
        try (TestGateway slow = new TestGateway(dir.resolve("many"), "  jobTakeHold: 60s")) {
            List<CompletableFuture<Reply>> waiting = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                String id = "w" + i;
                waiting.add(CompletableFuture.supplyAsync(() -> slow.worker.get("/v2/ep1/job-take/" + id), POOL));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> slow.gateway.waitingTakers("ep1") == workers);
            Set<String> submitted = new HashSet<>();
            for (int i = 0; i < workers; i++) {
                submitted.add(slow.run("{\"i\":" + i + "}"));
            }
            Set<String> received = new HashSet<>();
            for (CompletableFuture<Reply> reply : waiting) {
                Reply r = reply.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                received.add(r.field("id"));
            }
            assertThat(received).isEqualTo(submitted);
        }
    }

    @Test
    void batchTakeAnswersAnArrayOfUpToBatchSizeJobsOldestFirst() {
        String a = gw.run("{\"n\":1}");
        gw.clock.advance(Duration.ofMillis(1));
        String b = gw.run("{\"n\":2}");
        gw.clock.advance(Duration.ofMillis(1));
        String c = gw.run("{\"n\":3}");
        Reply batch = gw.worker.get("/v2/ep1/job-take-batch/w1?gpu=SIM&batch_size=2&job_in_progress=1");
        assertThat(batch.status()).isEqualTo(200);
        assertThat(batch.json().isArray()).isTrue();
        assertThat(batch.json().size()).isEqualTo(2);
        assertThat(batch.json().get(0).path("id").asString()).isEqualTo(a);
        assertThat(batch.json().get(1).path("id").asString()).isEqualTo(b);
        assertThat(batch.json().get(1).path("input").path("n").asInt()).isEqualTo(2);
        assertThat(gw.take("w2")).isEqualTo(c);
        assertThat(gw.worker.get("/v2/ep1/job-take-batch/w1?batch_size=5").status()).isEqualTo(204);
    }

    @Test
    void aBatchTakeAskingForMoreThan64JobsGets64() {
        // RunPod's Python worker asks for its whole free concurrency and ignores a 400 on job-take: a refused
        // batch_size would leave such a worker polling for ever without a job
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 66; i++) {
            ids.add(gw.run("{\"n\":" + i + "}"));
        }
        Reply first = gw.worker.get("/v2/ep1/job-take-batch/w1?gpu=SIM&batch_size=100&job_in_progress=0");
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.json().size()).isEqualTo(64);
        assertThat(first.json().get(63).path("id").asString()).isEqualTo(ids.get(63));
        Reply rest = gw.worker.get("/v2/ep1/job-take-batch/w2?gpu=SIM&batch_size=99999999999999999999&job_in_progress=0");
        assertThat(rest.status()).as(rest.toString()).isEqualTo(200);
        assertThat(rest.json().size()).isEqualTo(2);
        assertThat(rest.json().get(1).path("id").asString()).isEqualTo(ids.get(65));
    }

    @Test
    void onlyTheHoldingWorkerMayFinishAJobAndARepeatedResultIsHarmless() {
        String id = gw.run("{}");
        gw.take("w1");
        Reply intruder = gw.worker.postAsForm("/v2/ep1/job-done/w2/" + id, "{\"output\":\"mine\"}");
        assertThat(intruder.status()).isEqualTo(409);
        assertThat(intruder.field("error")).contains(id);

        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":\"ok\",\"stopPod\":true}").status())
                .isEqualTo(200);
        // the Python worker retries a job-done whose answer it lost
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":\"ok\",\"stopPod\":true}").status())
                .isEqualTo(200);
        assertThat(gw.status(id).json().path("output").asString()).isEqualTo("ok");
        assertThat(gw.gateway.workers().isStopRequested("ep1", "w1")).isTrue();

        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/nope-u1", "{\"output\":1}").status()).isEqualTo(404);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "[1]").status()).isEqualTo(400);
        assertThat(gw.worker.post("/v2/ep1/job-stream/w1/" + id, "{\"nothing\":1}").status()).isEqualTo(400);
    }

    /**
     * stopPod asks the autoscaler to replace the worker (it stops a worker that asked, as an unhealthy one). Only a
     * job-done the gateway takes counts: a refused one changes nothing about the worker.
     */
    @Test
    void aRefusedJobDoneDoesNotStopItsWorker() {
        String done = gw.run("{}");
        gw.take("w1");
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + done, "{\"output\":\"ok\"}").status()).isEqualTo(200);
        String running = gw.run("{}");
        gw.take("w1");

        // a second, different word on the COMPLETED job; another worker's result for w1's job; progress after the end
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + done, "{\"stopPod\":true,\"error\":\"x\"}").status())
                .isEqualTo(409);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w2/" + running, "{\"output\":1,\"stopPod\":true}").status())
                .isEqualTo(409);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + done,
                "{\"status\":\"IN_PROGRESS\",\"output\":\"late\",\"stopPod\":true}").status()).isEqualTo(200);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/nope-u1", "{\"output\":1,\"stopPod\":true}").status())
                .isEqualTo(404);

        var workers = gw.gateway.workers();
        assertThat(workers.isStopRequested("ep1", "w1")).isFalse();
        assertThat(workers.isStopRequested("ep1", "w2")).isFalse();
        var w1 = workers.snapshot("ep1").get("w1");
        assertThat(w1.stopRequested()).isFalse();
        assertThat(w1.jobsInProgress()).as("still running its second job").isEqualTo(1);
        assertThat(gw.status(done).json().path("output").asString()).isEqualTo("ok");

        // the same worker's accepted result with stopPod is recorded, as before
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + running, "{\"output\":2,\"stopPod\":true}").status())
                .isEqualTo(200);
        assertThat(workers.isStopRequested("ep1", "w1")).isTrue();
        assertThat(workers.snapshot("ep1").get("w1").jobsInProgress()).isZero();
    }

    @Test
    void anErrorThatIsNotTextIsKeptAsJsonText() {
        String id = gw.run("{}");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"error\":{\"error_type\":\"ValueError\"}}");
        Reply failed = gw.status(id);
        assertThat(failed.field("status")).isEqualTo("FAILED");
        assertThat(failed.field("error")).isEqualTo("{\"error_type\":\"ValueError\"}");
    }

    /**
     * A ping naming something that can be no job id ({@code local_test.1}, a path) next to its real job: the whole ping
     * was a 404, so the real job's lease was not renewed and it ran again elsewhere. The other ids still count.
     */
    @Test
    void aPingWithAMalformedIdStillRenewsTheWorkersJobs() {
        String id = gw.run("{}");
        gw.take("w1");
        gw.clock.advance(Duration.ofSeconds(20));

        Reply ping = gw.worker.get("/v2/ep1/ping/w1?job_id=" + id + ",..%2Fx,local.test");
        assertThat(ping.status()).as(ping.text()).isEqualTo(200);

        gw.clock.advance(Duration.ofSeconds(20));
        gw.gateway.housekeeping().sweepOnce();
        assertThat(gw.status(id).field("status")).isEqualTo("IN_PROGRESS");
    }

    @Test
    void pingsKeepALeaseAliveAndASilentWorkerLosesItsJob() {
        String id = gw.run("{}");
        gw.take("w1");
        gw.clock.advance(Duration.ofSeconds(20));
        assertThat(gw.worker.get("/v2/ep1/ping/w1?job_id=" + id + "&runpod_version=1.12.0").status()).isEqualTo(200);
        gw.clock.advance(Duration.ofSeconds(20));
        gw.gateway.housekeeping().sweepOnce();
        assertThat(gw.status(id).field("status")).isEqualTo("IN_PROGRESS");

        gw.clock.advance(Duration.ofSeconds(31));
        gw.gateway.housekeeping().sweepOnce();
        Reply requeued = gw.status(id);
        assertThat(requeued.field("status")).isEqualTo("IN_QUEUE");
        assertThat(requeued.json().path("retries").asInt()).isEqualTo(1);

        // the endpoint allows one retry: a second silent worker fails the job
        assertThat(gw.take("w2")).isEqualTo(id);
        gw.clock.advance(Duration.ofSeconds(31));
        gw.gateway.housekeeping().sweepOnce();
        Reply failed = gw.status(id);
        assertThat(failed.field("status")).isEqualTo("FAILED");
        assertThat(failed.field("error")).isNotBlank();
    }

    /**
     * A worker key opens one endpoint. A worker of ep2 that names an ep1 job (same worker id, the ep2-only key, the
     * ep2 route) keeps nothing alive and changes nothing: the job is lost after its 30 s lease like any other
     * job of a silent worker, and the ep2 worker is told to stop what it claims to run.
     */
    @Test
    void aWorkerOfAnotherEndpointKeepsNoLeaseAliveAndWritesNothing() {
        Api ep2Worker = gw.worker.withKey(EP2_WORKER_KEY);
        String id = gw.run("{}");
        assertThat(gw.take("fk")).isEqualTo(id);

        for (int i = 0; i < 6; i++) {
            gw.clock.advance(Duration.ofSeconds(5));
            // RunPod's workers ignore the ping's answer; what matters is that it renews nothing
            assertThat(ep2Worker.get("/v2/ep2/ping/fk?job_id=" + id).status()).isEqualTo(200);
        }
        assertThat(ep2Worker.postAsForm("/v2/ep2/job-done/fk/" + id, "{\"status\":\"IN_PROGRESS\",\"output\":\"p\"}")
                .status()).isEqualTo(404);
        assertThat(ep2Worker.post("/v2/ep2/job-stream/fk/" + id, "{\"output\":\"chunk\"}").status()).isEqualTo(404);
        assertThat(ep2Worker.send(ep2Worker.request("/v2/ep2/outputs/" + id + "/a.png")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("png"))).status()).isEqualTo(404);
        assertThat(ep2Worker.postAsForm("/v2/ep2/job-done/fk/" + id, "{\"output\":\"theirs\"}").status())
                .isEqualTo(404);

        gw.clock.advance(Duration.ofSeconds(1)); // 31 s after the take: past the lease only ep1's pings renew
        gw.gateway.housekeeping().sweepOnce();
        Reply requeued = gw.status(id);
        assertThat(requeued.field("status")).isEqualTo("IN_QUEUE");
        assertThat(requeued.json().path("retries").asInt()).isEqualTo(1);
        assertThat(requeued.json().has("output")).isFalse();
        assertThat(gw.client.get("/v2/ep1/stream/" + id + "?wait=1000").json().path("stream").size()).isZero();
        assertThat(ep2Worker.get("/v2/ep2/job-stop/fk").json().path("jobsToStop").toString())
                .isEqualTo("[\"" + id + "\"]");
    }

    @Test
    void aPingListingAJobTheWorkerNoLongerOwnsGetsItStopped() throws Exception {
        String id = gw.run("{}");
        gw.take("w1");
        gw.client.post("/v2/ep1/cancel/" + id, null);
        // the cancel's own stop order is taken first
        assertThat(gw.worker.get("/v2/ep1/job-stop/w1").json().path("jobsToStop").get(0).asString()).isEqualTo(id);
        // a restarted gateway knows only what the worker's ping says: the order comes again from it
        gw.worker.get("/v2/ep1/ping/w1?job_id=" + id);
        Reply stop = gw.worker.get("/v2/ep1/job-stop/w1");
        assertThat(stop.status()).isEqualTo(200);
        assertThat(stop.json().path("jobsToStop").toString()).isEqualTo("[\"" + id + "\"]");
    }

    @Test
    void aJobOverItsExecutionTimeoutTimesOutAndItsWorkerIsStopped() {
        Reply run = gw.client.post("/v2/ep1/run", "{\"input\":{},\"policy\":{\"executionTimeout\":5000}}");
        String id = run.field("id");
        gw.take("w1");
        gw.clock.advance(Duration.ofSeconds(6));
        gw.gateway.housekeeping().sweepOnce();

        assertThat(gw.status(id).field("status")).isEqualTo("TIMED_OUT");
        assertThat(gw.worker.get("/v2/ep1/job-stop/w1?gpu=SIM").json().path("jobsToStop").get(0).asString())
                .isEqualTo(id);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}").status()).isEqualTo(409);
        assertThat(gw.client.post("/v2/ep1/retry/" + id, null).field("status")).isEqualTo("IN_QUEUE");
    }

    @Test
    void aStopOrderForAnEarlierRunDoesNotStopTheRetriedRun() {
        String id = gw.client.post("/v2/ep1/run", "{\"input\":{},\"policy\":{\"executionTimeout\":5000}}").field("id");
        gw.take("w1");
        gw.clock.advance(Duration.ofSeconds(6));
        gw.gateway.housekeeping().sweepOnce();
        // w1 has not polled job-stop yet when the job is retried and given to it again
        gw.client.post("/v2/ep1/retry/" + id, null);
        assertThat(gw.take("w1")).isEqualTo(id);
        assertThat(gw.worker.get("/v2/ep1/job-stop/w1").status()).isEqualTo(204);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}").status()).isEqualTo(200);
    }

    @Test
    void aJobPastItsTtlIsGone() {
        Reply run = gw.client.post("/v2/ep1/run", "{\"input\":{},\"policy\":{\"ttl\":10000}}");
        String id = run.field("id");
        gw.clock.advance(Duration.ofSeconds(11));
        assertThat(gw.status(id).status()).isEqualTo(404);
        assertThat(gw.worker.get("/v2/ep1/job-take/w1").status()).isEqualTo(204);
        gw.gateway.housekeeping().sweepOnce();
        assertThat(gw.status(id).status()).isEqualTo(404);
    }

    @Test
    void aFinishedRunsyncJobIsKeptOneMinuteAndARunJobThirty() throws Exception {
        var sync = CompletableFuture.supplyAsync(() -> gw.client.post("/v2/ep1/runsync?wait=30000", "{\"input\":{}}"));
        String syncId = gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + syncId, "{\"output\":1}");
        assertThat(sync.get(20, TimeUnit.SECONDS).field("status")).isEqualTo("COMPLETED");
        String runId = gw.run("{}");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + runId, "{\"output\":1}");

        gw.clock.advance(Duration.ofSeconds(61));
        gw.gateway.housekeeping().sweepOnce();
        assertThat(gw.status(syncId).status()).isEqualTo(404);
        assertThat(gw.status(runId).status()).isEqualTo(200);
    }

    @Test
    void aFinishedJobIsDeletedAfterRetention() {
        String id = gw.run("{}");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}");
        gw.clock.advance(Duration.ofMinutes(29));
        gw.gateway.housekeeping().sweepOnce();
        assertThat(gw.status(id).status()).isEqualTo(200);
        gw.clock.advance(Duration.ofMinutes(2));
        gw.gateway.housekeeping().sweepOnce();
        assertThat(gw.status(id).status()).isEqualTo(404);
    }
}
