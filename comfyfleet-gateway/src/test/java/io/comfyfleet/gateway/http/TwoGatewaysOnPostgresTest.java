package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.PostgresPerTest;
import io.comfyfleet.gateway.support.TestGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two gateways on one (embedded, real) PostgreSQL: a job submitted to gateway A wakes a job-take parked at
 * gateway B through LISTEN/NOTIFY, not through B's periodic recheck of the queue.
 */
class TwoGatewaysOnPostgresTest extends PostgresPerTest {
    @Test
    void aJobSubmittedToOneGatewayWakesAJobTakeParkedAtTheOther() throws Exception {
        String store = storeYaml();
        String longHold = "  jobTakeHold: 20s";
        try (TestGateway a = new TestGateway(dir.resolve("a"), longHold, store);
                TestGateway b = new TestGateway(dir.resolve("b"), longHold, store)) {
            List<Long> wakeMillis = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                var take = CompletableFuture.supplyAsync(
                        () -> b.worker.get("/v2/ep1/job-take/b-w1?job_in_progress=0"));
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> b.gateway.waitingTakers("ep1") == 1);
                long sent = System.nanoTime();
                String id = a.run("{\"round\":" + round + "}");
                Reply taken = take.get(15, TimeUnit.SECONDS);
                wakeMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                assertThat(taken.status()).isEqualTo(200);
                assertThat(taken.field("id")).isEqualTo(id);
                b.worker.post("/v2/ep1/job-done/b-w1/" + id, "{\"output\":\"ok\"}");
                assertThat(a.status(id).field("status")).isEqualTo("COMPLETED");
            }
            // the periodic recheck (every 2 s) alone would put the median near 1 s; a notice takes milliseconds
            // (the bound leaves room for a loaded machine)
            List<Long> sorted = wakeMillis.stream().sorted().toList();
            assertThat(sorted.get(2)).as("median wake-up in ms, all: %s", wakeMillis).isLessThan(400);
        }
    }

    @Test
    void callsWaitingOnAJobAtOneGatewayAreAnsweredWhenItEndsThroughTheOther() throws Exception {
        String store = storeYaml();
        try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
            // a client's /runsync reached gateway A, the worker's job-take and job-done reach gateway B
            var sync = CompletableFuture.supplyAsync(() -> a.client.post("/v2/ep1/runsync?wait=30000",
                    "{\"input\":{\"n\":1}}"));
            String id = b.take("b-w1");
            var statusSync = CompletableFuture.supplyAsync(() -> a.client.get("/v2/ep1/status-sync/" + id
                    + "?wait=30000"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.gateway.waitingOnJob(id) == 2);
            long done = System.nanoTime();
            b.worker.post("/v2/ep1/job-done/b-w1/" + id, "{\"output\":\"ok\"}");

            Reply answered = sync.get(40, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - done);
            assertThat(answered.field("status")).as(answered.text()).isEqualTo("COMPLETED");
            assertThat(statusSync.get(40, TimeUnit.SECONDS).field("status")).isEqualTo("COMPLETED");
            // not at the end of their 30 s wait: a notice takes milliseconds (room left for a loaded machine)
            assertThat(millis).as("ms from the job-done at B to the /runsync answer at A").isLessThan(3_000);
            System.out.printf("two gateways: /runsync at A answered %d ms after the job-done at B%n", millis);
        }
    }

    @Test
    void aStatusSyncWaitingAtOneGatewayIsAnsweredWhenItsJobIsPurgedThroughTheOtherAndBothSaySo() throws Exception {
        String store = storeYaml();
        try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
            String id = a.run("{\"n\":2}");
            var sync = CompletableFuture.supplyAsync(() -> a.client.get("/v2/ep1/status-sync/" + id + "?wait=30000"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.gateway.waitingOnJob(id) == 1);
            long purged = System.nanoTime();
            assertThat(b.client.post("/v2/ep1/purge-queue", "").field("removed")).isEqualTo("1");

            Reply answered = sync.get(40, TimeUnit.SECONDS);
            assertThat(answered.status()).as(answered.text()).isEqualTo(404);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - purged)).as("ms from the purge to the answer")
                    .isLessThan(3_000);
            // the same answer wherever it is asked: the gateway that purged and the other one
            String why = "job " + id + " does not exist: it was removed from the queue of endpoint ep1 by purge-queue"
                    + " before a worker took it";
            assertThat(answered.field("error")).as("the waiting call at A").isEqualTo(why);
            assertThat(b.status(id).field("error")).as("/status at B, which purged").isEqualTo(why);
            assertThat(a.status(id).field("error")).as("/status at A").isEqualTo(why);
            assertThat(a.status("never-was-u1").field("error")).as("an unknown job at A").doesNotContain("purge");
        }
    }

    @Test
    void aWorkerThatGaveUpAtOneGatewayIsNamedByTheOthersHealth() throws Exception {
        String store = storeYaml();
        try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
            b.worker.get("/v2/ep1/ping/b-w1?status=unhealthy&check=comfyui_start&reason=ComfyUI%20did%20not%20start");

            Awaitility.await("A's /health names the worker that gave up at B").atMost(Duration.ofSeconds(10))
                    .until(() -> a.client.get("/v2/ep1/health").json().has("lastWorkerFailure"));
            var atA = a.client.get("/v2/ep1/health").json().path("lastWorkerFailure");
            var atB = b.client.get("/v2/ep1/health").json().path("lastWorkerFailure");
            assertThat(atA.path("workerId").asString()).isEqualTo("b-w1");
            assertThat(atA.path("check").asString()).isEqualTo("comfyui_start");
            assertThat(atA.path("reason").asString()).isEqualTo("ComfyUI did not start");
            assertThat(atA).as("both gateways say the same, the time included").isEqualTo(atB);

            // a later failure heard at A replaces it at B too (the same instant on these gateways' clock)
            a.worker.get("/v2/ep1/ping/a-w2?status=unhealthy&check=comfyui_crash_loop&reason=out%20of%20memory");
            Awaitility.await("B's /health names the later failure").atMost(Duration.ofSeconds(10))
                    .until(() -> b.client.get("/v2/ep1/health").json().path("lastWorkerFailure").path("workerId")
                            .asString().equals("a-w2"));
            assertThat(a.client.get("/v2/ep1/health").json().path("lastWorkerFailure").path("workerId").asString())
                    .isEqualTo("a-w2");
        }
    }
}
