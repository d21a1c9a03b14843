package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.gateway.dispatch.ProvisionedCounts;
import io.comfyfleet.gateway.dispatch.ProvisioningView;
import io.comfyfleet.gateway.dispatch.StartingWorker;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.PostgresPerTest;
import io.comfyfleet.gateway.support.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Three gateways on one (embedded, real) PostgreSQL: one holds the control-loop lease and the others take over when
 * it goes; a worker may reach a different gateway on each call (job-take at A, job-done at B); /health on any
 * gateway counts the workers talking to any of them, with the versions they announced; a cancel at one gateway
 * reaches the job-stop poll the worker parked at another.
 */
class SharedControlOnPostgresTest extends PostgresPerTest {
    private static final String SERVER =
            "  jobTakeHold: 2s\n  jobStopHold: 10s\n  controlLease: 1s\n  controlRenew: 200ms";

    private TestGateway gateway(String name) {
        String store = storeYaml();
        return new TestGateway(dir.resolve(name), SERVER, store);
    }

    @Test
    void oneGatewayLeadsAndWorkersAreSharedWhicheverGatewayTheyReach() throws Exception {
        try (TestGateway a = gateway("a"); TestGateway b = gateway("b"); TestGateway c = gateway("c")) {
            List<TestGateway> all = List.of(a, b, c);
            await("one leader").atMost(Duration.ofSeconds(10))
                    .until(() -> all.stream().filter(g -> g.gateway.isLeader()).count() == 1);
            assertThat(all.stream().filter(g -> g.gateway.controlGate().getAsBoolean()).count())
                    .as("the fenced check agrees").isEqualTo(1);

            // job-take at A (announcing its version), job-done at B
            String id = a.run("{\"n\":1}");
            Reply taken = a.worker.get("/v2/ep1/job-take/w1?gpu=SIM&job_in_progress=0&version=local-0123456789ab");
            assertThat(taken.field("id")).isEqualTo(id);
            await("C counts the worker A gave a job to, with its version").atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> {
                        JsonNode workers = c.client.get("/v2/ep1/health").json().path("workers");
                        assertThat(workers.path("running").asInt()).as("%s", workers).isEqualTo(1);
                        assertThat(workers.path("versions").path("local-0123456789ab").asInt()).isEqualTo(1);
                    });
            all.forEach(g -> g.clock.advance(Duration.ofSeconds(1))); // B hears from the worker after A did
            Reply done = b.worker.post("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"ok\":true}}");
            assertThat(done.status()).as("%s", done).isEqualTo(200);
            assertThat(c.status(id).field("status")).isEqualTo("COMPLETED");
            await("B's word (idle now) wins at C over A's older one").atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> {
                        JsonNode workers = c.client.get("/v2/ep1/health").json().path("workers");
                        assertThat(workers.path("running").asInt()).as("%s", workers).isZero();
                        assertThat(workers.path("idle").asInt()).isEqualTo(1);
                    });

            // a cancel at C reaches the job-stop poll the worker parked at A
            String second = b.run("{\"n\":2}");
            assertThat(b.take("w1")).isEqualTo(second);
            var stopPoll = CompletableFuture.supplyAsync(() -> a.worker.get("/v2/ep1/job-stop/w1"));
            await().atMost(Duration.ofSeconds(5)).until(() -> a.gateway.workers().details("ep1").stream()
                    .anyMatch(w -> w.workerId().equals("w1")));
            Thread.sleep(300); // let the poll park at A before the order is given
            assertThat(c.client.post("/v2/ep1/cancel/" + second, "{}").status()).isEqualTo(200);
            Reply stop = stopPoll.get(15, TimeUnit.SECONDS);
            assertThat(stop.text()).as("%s", stop).contains(second);

            // the leader stops leading (its lease given up, as on shutdown): another takes over
            TestGateway leader = all.stream().filter(g -> g.gateway.isLeader()).findFirst().orElseThrow();
            leader.gateway.leaderLease().orElseThrow().close();
            List<TestGateway> rest = all.stream().filter(g -> g != leader).toList();
            await("a standby takes over").atMost(Duration.ofSeconds(10))
                    .until(() -> rest.stream().filter(g -> g.gateway.isLeader()).count() == 1);
        }
    }
    /**
     * A leader that dies (kill -9) leaves its workers' records on the board, and they counted on the survivor's
     * /health until their liveness window (here jobTakeHold + lease, 32 s) passed, though its workers died with it.
     * The gateway that takes the lease over stops counting them at once. The leader's death is its renewals no
     * longer counting: the standby's clock moves past the lease, the leader's does not.
     */
    @Test
    void theWorkersOfALeaderThatLostItsLeaseStopCountingAtTheGatewayThatTookOver() throws Exception {
        try (TestGateway a = gateway("a"); TestGateway b = gateway("b")) {
            await("one leader").atMost(Duration.ofSeconds(10))
                    .until(() -> a.gateway.isLeader() != b.gateway.isLeader());
            TestGateway leader = a.gateway.isLeader() ? a : b;
            TestGateway standby = leader == a ? b : a;
            String id = leader.run("{\"n\":1}");
            assertThat(leader.take("w1")).isEqualTo(id);
            await("the standby counts the leader's running worker").atMost(Duration.ofSeconds(10))
                    .until(() -> standby.client.get("/v2/ep1/health").json().path("workers").path("running")
                            .asInt() == 1);

            standby.clock.advance(Duration.ofSeconds(2));

            await("the standby takes over").atMost(Duration.ofSeconds(10)).until(() -> standby.gateway.isLeader());
            await("the dead leader's worker no longer counts, well within its liveness window")
                    .atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                        JsonNode workers = standby.client.get("/v2/ep1/health").json().path("workers");
                        assertThat(workers.path("running").asInt()).as("%s", workers).isZero();
                        assertThat(workers.path("ready").asInt()).as("%s", workers).isZero();
                    });

            // a worker of it that is alive and reaches the survivor counts again at once
            standby.clock.advance(Duration.ofSeconds(1));
            standby.worker.get("/v2/ep1/ping/w1?job_id=" + id);
            assertThat(standby.client.get("/v2/ep1/health").json().path("workers").path("running").asInt())
                    .isEqualTo(1);
        }
    }

    /**
     * A TTL shortened by {@code /status?ttl=} at one gateway reaches a {@code /status-sync} waiting at another: it
     * is answered 404 at the new expiry, not at the old one (the waiter parks until the expiry it last read).
     */
    @Test
    void aTtlShortenedAtOneGatewayWakesACallWaitingAtAnother() throws Exception {
        try (TestGateway a = gateway("a"); TestGateway b = gateway("b")) {
            String id = a.client.post("/v2/ep1/run", "{\"input\":{},\"policy\":{\"ttl\":60000}}").field("id");
            List.of(a, b).forEach(g -> g.clock.advance(Duration.ofMillis(9_500)));
            long started = System.nanoTime();
            CompletableFuture<Reply> waiting = CompletableFuture.supplyAsync(
                    () -> a.client.get("/v2/ep1/status-sync/" + id + "?wait=60000"));
            await().atMost(Duration.ofSeconds(5)).until(() -> a.gateway.waitingOnJob(id) == 1);
            Thread.sleep(500); // parked until its wait or the old expiry, both 50 s away

            assertThat(b.client.get("/v2/ep1/status/" + id + "?ttl=10000").field("status")).isEqualTo("IN_QUEUE");
            Thread.sleep(1_000); // A hears of the change and the waiter reads the new expiry (0.5 s away)
            List.of(a, b).forEach(g -> g.clock.advance(Duration.ofSeconds(1)));

            Reply reply = waiting.get(20, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered at the new expiry")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(reply.status()).as("%s", reply).isEqualTo(404);
            assertThat(reply.field("error")).contains("its ttl ran out while this call waited (10000 ms");
        }
    }

    /**
     * A worker the leader's provider is starting counts as initializing on every gateway's /health before anyone
     * heard from it; once it asks for a job (at the other gateway) it counts there as idle, not twice; a starting
     * worker its provider drops (stopped before it called) stops counting everywhere.
     */
    @Test
    void workersTheLeadersProviderIsStartingCountOnEveryGateway() throws Exception {
        try (TestGateway a = gateway("a"); TestGateway b = gateway("b")) {
            await("one leader").atMost(Duration.ofSeconds(10))
                    .until(() -> a.gateway.isLeader() != b.gateway.isLeader());
            TestGateway leader = a.gateway.isLeader() ? a : b;
            TestGateway standby = leader == a ? b : a;
            java.util.concurrent.atomic.AtomicReference<List<StartingWorker>> starting =
                    new java.util.concurrent.atomic.AtomicReference<>(List.of(
                            new StartingWorker("ep1", "w-new", leader.clock.instant(), "img:1"),
                            new StartingWorker("ep1", "w-doomed", leader.clock.instant(), "img:1")));
            leader.gateway.workers().provisioning(new ProvisioningView() {
                @Override
                public ProvisionedCounts counts(String endpoint) {
                    List<StartingWorker> now = starting.get();
                    return new ProvisionedCounts(now.size(), 0, 0,
                            now.stream().map(StartingWorker::workerId).collect(java.util.stream.Collectors.toSet()));
                }

                @Override
                public List<StartingWorker> starting() {
                    return starting.get();
                }
            });
            for (TestGateway g : List.of(leader, standby)) {
                await("gateway " + g.gateway.id() + " counts both starting workers").atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> {
                            JsonNode workers = g.client.get("/v2/ep1/health").json().path("workers");
                            assertThat(workers.path("initializing").asInt()).as("%s", workers).isEqualTo(2);
                            assertThat(workers.path("idle").asInt()).isZero();
                        });
            }

            // w-new asks for a job at the standby; the leader's provider then marks it ready, and drops w-doomed
            var take = CompletableFuture.supplyAsync(
                    () -> standby.worker.get("/v2/ep1/job-take/w-new?gpu=SIM&job_in_progress=0&version=img:1"));
            await().atMost(Duration.ofSeconds(5)).until(() -> standby.gateway.workers().details("ep1").stream()
                    .anyMatch(w -> w.workerId().equals("w-new") && !w.state().equals("starting")));
            starting.set(List.of());
            for (TestGateway g : List.of(standby, leader)) {
                await("gateway " + g.gateway.id() + " counts w-new idle, once, and w-doomed no more")
                        .atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                            JsonNode workers = g.client.get("/v2/ep1/health").json().path("workers");
                            assertThat(workers.path("initializing").asInt()).as("%s", workers).isZero();
                            assertThat(workers.path("idle").asInt()).as("%s", workers).isEqualTo(1);
                        });
            }
            take.get(15, TimeUnit.SECONDS);
        }
    }
}
