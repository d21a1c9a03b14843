package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.TestGateway;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's progress posts and result for a job handed out by this gateway are written without reading the
 * job back first, and every answer stays what it was when the job was read first: 404 for a job of another
 * endpoint or past its TTL, 200 for progress that comes too late, 409 for a job held by another worker.
 */
class WorkerPostsTest {
    static final String EP2_WORKER_KEY = "other-worker-key-0123456789";

    @TempDir
    Path dir;
    TestGateway gw;
    final AtomicInteger finds = new AtomicInteger();

    @BeforeEach
    void start() {
        gw = new TestGateway(new ConfigLoader(name -> null).parse(TestGateway.yaml(""), "test config", dir),
                store -> countingFinds(store, finds));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void progressAndResultOfAJobHandedOutHereAreNotReadBack() {
        String id = gw.run("{}");
        assertThat(gw.take("w1")).isEqualTo(id);
        finds.set(0);

        for (int step = 1; step <= 3; step++) {
            assertThat(progress("w1", id, step).status()).isEqualTo(200);
        }
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"images\":[]}}").status())
                .isEqualTo(200);

        assertThat(finds).hasValue(0);
        assertThat(gw.status(id).json().path("status").asString()).isEqualTo("COMPLETED");
    }

    @Test
    void progressIsStoredAndSeenByStatus() {
        String id = gw.run("{}");
        gw.take("w1");
        progress("w1", id, 7);
        assertThat(gw.status(id).json().path("output").path("step").asInt()).isEqualTo(7);
    }

    @Test
    void aJobHandedOutForOneEndpointIsNotFoundThroughAnother() {
        String id = gw.run("{}");
        gw.take("w1");
        Api ep2Worker = gw.worker.withKey(EP2_WORKER_KEY);

        assertThat(ep2Worker.postAsForm("/v2/ep2/job-done/w1/" + id, "{\"status\":\"IN_PROGRESS\",\"output\":1}")
                .status()).isEqualTo(404);
        assertThat(ep2Worker.postAsForm("/v2/ep2/job-done/w1/" + id, "{\"output\":1}").status()).isEqualTo(404);
        assertThat(ep2Worker.post("/v2/ep2/job-stream/w1/" + id, "{\"output\":1}").status()).isEqualTo(404);
        assertThat(gw.status(id).json().path("status").asString()).isEqualTo("IN_PROGRESS");
    }

    @Test
    void aHandedOutJobPastItsTtlIsNotFound() {
        String id = gw.client.post("/v2/ep1/run", "{\"input\":{},\"policy\":{\"ttl\":10000}}").field("id");
        gw.take("w1");
        gw.clock.advance(Duration.ofSeconds(11));

        assertThat(progress("w1", id, 1).status()).isEqualTo(404);
        assertThat(gw.worker.post("/v2/ep1/job-stream/w1/" + id, "{\"output\":1}").status()).isEqualTo(404);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}").status()).isEqualTo(404);
    }

    @Test
    void aTtlShortenedWhileTheJobRunsIsHonoured() {
        String id = gw.run("{}");
        gw.take("w1");
        assertThat(gw.client.get("/v2/ep1/status/" + id + "?ttl=10000").status()).isEqualTo(200);
        gw.clock.advance(Duration.ofSeconds(11));

        assertThat(progress("w1", id, 1).status()).isEqualTo(404);
    }

    @Test
    void progressAfterACancelIsIgnoredAndTheResultRefused() {
        String id = gw.run("{}");
        gw.take("w1");
        assertThat(gw.client.post("/v2/ep1/cancel/" + id, null).status()).isEqualTo(200);

        assertThat(progress("w1", id, 1).status()).isEqualTo(200);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}").status()).isEqualTo(409);
        assertThat(gw.status(id).json().path("status").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void anotherWorkersResultIsRefusedAndTheHoldersStillCounts() {
        String id = gw.run("{}");
        gw.take("w1");
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w2/" + id, "{\"output\":\"mine\"}").status()).isEqualTo(409);
        assertThat(progress("w2", id, 1).status()).isEqualTo(200); // ignored, as before
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":\"ok\"}").status()).isEqualTo(200);
        // the retry of a result whose answer was lost is still fine
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":\"ok\"}").status()).isEqualTo(200);
        assertThat(gw.status(id).json().path("output").asString()).isEqualTo("ok");
    }

    @Test
    void nanAndInfinityAsPythonWritesThemAreKeptAsTextAndTheJobCompletes() {
        String id = gw.run("{}");
        gw.take("w1");
        // json.dumps({"loss": float("nan")}) and friends: not JSON, but the worker's output
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id,
                "{\"status\": \"IN_PROGRESS\", \"output\": {\"loss\": NaN}}").status()).isEqualTo(200);
        assertThat(gw.status(id).json().path("output").path("loss").asString()).isEqualTo("NaN");
        assertThat(gw.worker.postAsForm("/v2/ep1/job-stream/w1/" + id, "{\"output\": [Infinity, 1.5]}").status())
                .isEqualTo(200);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id,
                "{\"output\": {\"score\": NaN, \"range\": [-Infinity, Infinity], \"ok\": 0.5, \"deep\": {\"x\": [NaN]}}}")
                .status()).isEqualTo(200);

        // Reply parses strict JSON: a bare NaN in an answer would fail here
        var status = gw.status(id).json();
        assertThat(status.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(status.path("output").toString()).isEqualTo(
                "{\"score\":\"NaN\",\"range\":[\"-Infinity\",\"Infinity\"],\"ok\":0.5,\"deep\":{\"x\":[\"NaN\"]}}");
        var stream = gw.client.get("/v2/ep1/stream/" + id).json();
        assertThat(stream.path("stream").toString()).isEqualTo("[{\"output\":[\"Infinity\",1.5]}]");
        // only the numbers: the rest of a worker's body is as strict as ever
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\": 1} // done").field("error"))
                .contains("JSON has no comments");
    }

    /** A worker's body with a key twice is as ambiguous as a client's: refused, and the job stays the worker's. */
    @Test
    void aWorkersBodyWithAKeyTwiceIsRefusedNamingIt() {
        String id = gw.run("{}");
        gw.take("w1");
        var done = gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\": {\"images\": [], \"images\": [1]}}");
        assertThat(done.status()).isEqualTo(400);
        assertThat(done.field("error")).contains("the key \"images\" appears twice in the object at /output");
        assertThat(gw.worker.postAsForm("/v2/ep1/job-stream/w1/" + id, "{\"output\": 1, \"output\": 2}").field("error"))
                .contains("the key \"output\" appears twice at the top level");
        assertThat(gw.status(id).json().path("status").asString()).isEqualTo("IN_PROGRESS");
    }

    /**
     * A lone surrogate escaped in a worker's body (Python's json.dumps writes one so for text decoded with
     * errors="surrogateescape") is no character: UTF-8 cannot hold it, and the store kept "?" in its place, so clients
     * read another output than the worker sent. It is kept as the escape it came as; an error, stored as text, gets
     * U+FFFD, the replacement character, which at least says a character was lost.
     */
    @Test
    void aLoneSurrogateInAWorkersBodyReachesClientsAsTheWorkerWroteIt() {
        String id = gw.run("{}");
        gw.take("w1");
        assertThat(gw.worker.postAsForm("/v2/ep1/job-stream/w1/" + id, "{\"output\": \"a\\ud800b\"}").status())
                .isEqualTo(200);
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id,
                "{\"output\": {\"text\": \"tok\\ud83d\"}, \"error\": \"bad \\udc00 token\"}").status()).isEqualTo(200);

        var status = gw.status(id);
        assertThat(status.text()).contains("\"output\":{\"text\":\"tok\\ud83d\"}");
        assertThat(status.field("error")).isEqualTo("bad \uFFFD token");
        assertThat(gw.client.get("/v2/ep1/stream/" + id).text()).contains("[{\"output\":\"a\\ud800b\"}]");
    }

    private io.comfyfleet.gateway.support.Reply progress(String worker, String id, int step) {
        return gw.worker.postAsForm("/v2/ep1/job-done/" + worker + "/" + id,
                "{\"status\":\"IN_PROGRESS\",\"output\":{\"step\":" + step + "}}");
    }

    /** The store as it is, counting its {@code find} calls. */
    static JobStore countingFinds(JobStore store, AtomicInteger finds) {
        return (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(), new Class<?>[] {JobStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("find")) {
                        finds.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
