package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobIdTakenException;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client repeats a {@code /run} whose answer it lost, with the same {@code Idempotency-Key}: it gets the job the
 * first request queued, never a second one; the same key for another request is refused (409); a malformed key
 * is refused (400) before anything is stored. On SQLite, and on PostgreSQL through two gateways.
 */
class IdempotencyKeyTest {
    static final String KEY = "order-4711-attempt";
    static final String BODY = "{\"input\":{\"workflow\":{\"3\":{\"class_type\":\"KSampler\",\"inputs\":{}}}}}";

    @TempDir
    Path dir;

    @Test
    void aRepeatedRunGetsTheJobTheFirstOneQueued() {
        try (TestGateway gw = new TestGateway(dir)) {
            Reply first = run(gw.client, "/v2/ep1/run", KEY, BODY);
            assertThat(first.status()).as(first.text()).isEqualTo(200);
            assertThat(first.field("status")).isEqualTo("IN_QUEUE");
            Reply again = run(gw.client, "/v2/ep1/run", KEY, BODY);
            assertThat(again.status()).as(again.text()).isEqualTo(200);
            assertThat(again.field("id")).isEqualTo(first.field("id"));
            assertThat(queued(gw)).isEqualTo(1);

            // once a worker has it, a repeat answers with where the job is now, and queues nothing
            assertThat(gw.take("w1")).isEqualTo(first.field("id"));
            Reply later = run(gw.client, "/v2/ep1/run", KEY, BODY);
            assertThat(later.field("id")).isEqualTo(first.field("id"));
            assertThat(later.field("status")).isEqualTo("IN_PROGRESS");
            assertThat(queued(gw)).isZero();

            // without a key every request is a job of its own, as on RunPod
            String one = gw.client.post("/v2/ep1/run", BODY).field("id");
            String two = gw.client.post("/v2/ep1/run", BODY).field("id");
            assertThat(one).isNotEqualTo(two);
        }
    }

    @Test
    void aKeyStandsForOneRequestOnOneEndpointAndRoute() {
        try (TestGateway gw = new TestGateway(dir)) {
            String id = run(gw.client, "/v2/ep1/run", KEY, BODY).field("id");

            Reply other = run(gw.client, "/v2/ep1/run", KEY, "{\"input\":{\"workflow\":{}}}");
            assertThat(other.status()).as(other.text()).isEqualTo(409);
            assertThat(other.field("error")).contains("Idempotency-Key \"" + KEY + "\" was used for another request",
                    id, "send a new key for a new job");
            assertThat(queued(gw)).isEqualTo(1);

            Reply sync = run(gw.client, "/v2/ep1/runsync?wait=1000", KEY, BODY);
            assertThat(sync.status()).as(sync.text()).isEqualTo(200);
            assertThat(sync.field("id")).startsWith("sync-").isNotEqualTo(id);
            assertThat(run(gw.client, "/v2/ep1/runsync?wait=1000", KEY, BODY).field("id")).isEqualTo(sync.field("id"));

            Reply otherEndpoint = run(gw.client.withKey(TestGateway.OTHER_CLIENT_KEY), "/v2/ep2/run", KEY, BODY);
            assertThat(otherEndpoint.status()).isEqualTo(200);
            assertThat(otherEndpoint.field("id")).isNotEqualTo(id);
        }
    }

    /**
     * JSON objects are unordered: a repeat whose members come in another order (a client that builds its body again
     * from a map, or another client library) is the same request, not a 409 that leaves the client only a new key and
     * a second job.
     */
    @Test
    void aRepeatWithItsMembersInAnotherOrderIsTheSameRequest() {
        String first = "{\"input\":{\"workflow\":{\"3\":{\"class_type\":\"KSampler\",\"inputs\":{\"seed\":1,"
                + "\"steps\":20}}},\"prompt\":\"a cat\"},\"webhook\":\"http://127.0.0.1:9/hook\","
                + "\"s3Config\":{\"accessId\":\"a\",\"accessSecret\":\"s\",\"bucketName\":\"b\","
                + "\"endpointUrl\":\"https://s3.example.com\"},\"policy\":{\"executionTimeout\":60000}}";
        String reordered = "{\"policy\":{\"executionTimeout\":60000},\"s3Config\":{\"endpointUrl\":"
                + "\"https://s3.example.com\",\"bucketName\":\"b\",\"accessSecret\":\"s\",\"accessId\":\"a\"},"
                + "\"webhook\":\"http://127.0.0.1:9/hook\",\"input\":{\"prompt\":\"a cat\",\"workflow\":{\"3\":"
                + "{\"inputs\":{\"steps\":20,\"seed\":1},\"class_type\":\"KSampler\"}}}}";
        try (TestGateway gw = new TestGateway(dir)) {
            String id = run(gw.client, "/v2/ep1/run", KEY, first).field("id");

            Reply again = run(gw.client, "/v2/ep1/run", KEY, reordered);
            assertThat(again.status()).as(again.text()).isEqualTo(200);
            assertThat(again.field("id")).isEqualTo(id);
            assertThat(queued(gw)).isEqualTo(1);

            // a value that differs is still another request, however the members are ordered
            Reply other = run(gw.client, "/v2/ep1/run", KEY, reordered.replace("\"seed\":1", "\"seed\":2"));
            assertThat(other.status()).as(other.text()).isEqualTo(409);
        }
    }

    /**
     * A repeat that leaves {@code policy.executionTimeout} out sent the same bytes as the first request: that the
     * endpoint's default changed in between (the gateway restarted with a new {@code executionTimeout}) does not make
     * it another request. The job keeps the timeout it was queued with.
     */
    @Test
    void aRepeatAfterTheEndpointsDefaultExecutionTimeoutChangedIsTheSameRequest() {
        String id;
        try (TestGateway gw = new TestGateway(dir)) {
            id = run(gw.client, "/v2/ep1/run", KEY, BODY).field("id");
        }
        GatewayConfig longerDefault = new ConfigLoader(name -> null).parse(
                TestGateway.yaml("").replace("executionTimeout: 10m", "executionTimeout: 20m"), "test config", dir);
        try (TestGateway gw = new TestGateway(longerDefault)) {
            Reply again = run(gw.client, "/v2/ep1/run", KEY, BODY);
            assertThat(again.status()).as(again.text()).isEqualTo(200);
            assertThat(again.field("id")).isEqualTo(id);
            assertThat(queued(gw)).isEqualTo(1);
            assertThat(gw.worker.get("/v2/ep1/job-take/w1?job_in_progress=0").json().path("policy")
                    .path("executionTimeout").asLong()).isEqualTo(600_000);

            // a timeout the repeat sets itself, other than the job's, is another request
            Reply other = run(gw.client, "/v2/ep1/run", KEY,
                    BODY.replace("}}}}}", "}}}},\"policy\":{\"executionTimeout\":60000}}"));
            assertThat(other.status()).as(other.text()).isEqualTo(409);
        }
    }

    @Test
    void aMalformedKeyIsRefusedBeforeAnythingIsStored() {
        try (TestGateway gw = new TestGateway(dir)) {
            for (String bad : List.of("", "has space", "x".repeat(256))) {
                Reply refused = run(gw.client, "/v2/ep1/run", bad, BODY);
                assertThat(refused.status()).as(bad).isEqualTo(400);
                assertThat(refused.field("error")).contains("the Idempotency-Key header must be 1 to 255 visible ASCII"
                        + " characters", bad.length() + " characters");
            }
            assertThat(queued(gw)).isZero();
            assertThat(run(gw.client, "/v2/ep1/run", "x".repeat(255), BODY).status()).isEqualTo(200);
        }
    }

    /**
     * The key's job is deleted (purge-queue, retention, TTL sweep) between a repeat's refused insert and its read:
     * nothing is kept for the key any more, so the repeat queues the job anew, rather than a 409 saying it expired.
     */
    @Test
    void aRepeatWhoseJobVanishesAfterTheRefusedInsertQueuesItAgain() {
        AtomicBoolean vanish = new AtomicBoolean();
        UnaryOperator<JobStore> purgedOnRefusal = store -> (JobStore) Proxy.newProxyInstance(
                JobStore.class.getClassLoader(), new Class<?>[] {JobStore.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        if (e.getCause() instanceof JobIdTakenException && vanish.getAndSet(false)) {
                            store.purgeQueue("ep1", Instant.now());
                        }
                        throw e.getCause();
                    }
                });
        GatewayConfig config = new ConfigLoader(name -> null).parse(TestGateway.yaml(""), "test config", dir);
        try (TestGateway gw = new TestGateway(config, purgedOnRefusal)) {
            String id = run(gw.client, "/v2/ep1/run", KEY, BODY).field("id");
            vanish.set(true);

            Reply again = run(gw.client, "/v2/ep1/run", KEY, BODY);
            assertThat(again.status()).as(again.text()).isEqualTo(200);
            assertThat(again.field("id")).isEqualTo(id);
            assertThat(again.field("status")).isEqualTo("IN_QUEUE");
            assertThat(vanish).isFalse();
            assertThat(queued(gw)).isEqualTo(1);

            // a job past its TTL but not yet swept is still kept: the key is still refused for it
            String shortLived = run(gw.client, "/v2/ep1/run", "short-lived",
                    "{\"input\":{\"workflow\":{}},\"policy\":{\"ttl\":10000}}").field("id");
            gw.clock.advance(Duration.ofSeconds(20));
            Reply expired = run(gw.client, "/v2/ep1/run", "short-lived",
                    "{\"input\":{\"workflow\":{}},\"policy\":{\"ttl\":10000}}");
            assertThat(expired.status()).as(expired.text()).isEqualTo(409);
            assertThat(expired.field("error")).contains(shortLived, "has expired (its ttl) but is still kept");
        }
    }

    @Test
    void aRepeatWhileAWorkerWaitsIsNotHandedOverTwice() throws Exception {
        try (TestGateway gw = new TestGateway(dir, "  jobTakeHold: 20s")) {
            var take = CompletableFuture.supplyAsync(() -> gw.worker.get("/v2/ep1/job-take/w1?job_in_progress=0"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingTakers("ep1") == 1);
            String id = run(gw.client, "/v2/ep1/run", KEY, BODY).field("id");
            assertThat(take.get(10, TimeUnit.SECONDS).field("id")).isEqualTo(id);

            var secondTake = CompletableFuture.supplyAsync(() -> gw.worker.get("/v2/ep1/job-take/w2?job_in_progress=0"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingTakers("ep1") == 1);
            Reply again = run(gw.client, "/v2/ep1/run", KEY, BODY);
            assertThat(again.field("id")).isEqualTo(id);
            assertThat(again.field("status")).isEqualTo("IN_PROGRESS");
            assertThat(gw.gateway.waitingTakers("ep1")).as("the second worker still waits: nothing was handed to it")
                    .isEqualTo(1);
            secondTake.cancel(true);
        }
    }

    @Test
    void concurrentRepeatsOnSqliteQueueOneJob() throws Exception {
        try (TestGateway gw = new TestGateway(dir)) {
            assertThat(concurrently(List.of(gw.client), 16)).hasSize(1);
            assertThat(queued(gw)).isEqualTo(1);
        }
    }

    @Test
    void concurrentRepeatsThroughTwoGatewaysOnPostgresQueueOneJob() throws Exception {
        try (EmbeddedPostgres postgres = TestPostgres.start()) {
            String store = "store: {type: postgres, url: \"" + postgres.getJdbcUrl("postgres", "postgres")
                    + "\", user: postgres}\n";
            try (TestGateway a = new TestGateway(dir.resolve("a"), "", store);
                    TestGateway b = new TestGateway(dir.resolve("b"), "", store)) {
                assertThat(concurrently(List.of(a.client, b.client), 16)).hasSize(1);
                assertThat(queued(a)).isEqualTo(1);
            }
        }
    }

    /** {@code requests} repeats of one keyed /run at once, spread over the gateways; the ids they were answered. */
    private static Set<String> concurrently(List<Api> gateways, int requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                Api api = gateways.get(i % gateways.size());
                replies.add(pool.submit(() -> {
                    start.await();
                    return run(api, "/v2/ep1/run", KEY, BODY);
                }));
            }
            start.countDown();
            Set<String> ids = new TreeSet<>();
            for (Future<Reply> reply : replies) {
                Reply r = reply.get(30, TimeUnit.SECONDS);
                assertThat(r.status()).as(r.text()).isEqualTo(200);
                ids.add(r.field("id"));
            }
            return ids;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Reply run(Api api, String path, String key, String body) {
        return api.send(api.request(path).header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static long queued(TestGateway gw) {
        return gw.client.get("/v2/ep1/health").json().path("jobs").path("inQueue").asLong();
    }
}
