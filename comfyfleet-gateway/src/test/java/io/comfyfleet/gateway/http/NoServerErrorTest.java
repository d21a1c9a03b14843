package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every route, every method, with junk bodies, ids and parameters: never a 5xx, always a JSON error. */
class NoServerErrorTest {
    private static final List<String> BODIES = List.of("", "null", "[]", "{\"input\":1e999999}", "\"text\"",
            "{\"output\":{\"a\":[1,2,{\"b\":null}]},\"status\":7,\"error\":[1]}", "{\"input\":{},\"policy\":{\"ttl\":-1}}",
            "\u0000\u0001garbage", "{".repeat(300) + "}".repeat(300));
    private static final List<String> PATHS = List.of("run", "runsync?wait=1000", "status/x-u1", "status-sync/x-u1?wait=-5",
            "stream/x-u1?wait=1000", "cancel/x-u1", "retry/x-u1", "purge-queue", "health", "outputs/x-u1/a.png",
            "outputs/x-u1/..", "job-take/w1?job_in_progress=maybe", "job-take-batch/w1?batch_size=abc",
            "job-done/w1/x-u1", "job-stream/w1/x-u1", "job-stop/w1", "ping/w1?job_id=,,,&status=unhealthy",
            "status/" + "a".repeat(500), "job-done/w%20w/x-u1");

    @TempDir
    Path dir;

    @Test
    void junkNeverCausesAServerError() {
        try (TestGateway gw = new TestGateway(dir)) {
            int requests = 0;
            for (Api api : List.of(gw.client, gw.worker)) {
                for (String path : PATHS) {
                    for (String method : path.startsWith("outputs") ? List.of("GET", "POST", "PUT") : List.of("GET", "POST")) {
                        for (String body : method.equals("GET") ? List.of("") : BODIES) {
                            Reply reply = api.send(api.request("/v2/ep1/" + path).header("Content-Type", "text/plain")
                                    .method(method, HttpRequest.BodyPublishers.ofString(body)));
                            requests++;
                            assertThat(reply.status()).as("%s %s %s", method, path, body).isBetween(200, 499);
                            if (reply.status() >= 400) {
                                assertThat(reply.json().path("error").isString()).as("%s %s", method, path).isTrue();
                            }
                        }
                    }
                }
            }
            assertThat(requests).isGreaterThan(300);
        }
    }
}
