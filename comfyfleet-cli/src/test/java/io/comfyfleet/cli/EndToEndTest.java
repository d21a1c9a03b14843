package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The real gateway (in this JVM, SQLite), the real worker (in this JVM) and the ComfyUI emulator as a
 * separate process launched by the worker's supervisor: jobs go in through RunPod's client API and come out
 * with outputs, progress, failures and cancellation as a client sees them.
 */
class EndToEndTest {
    @TempDir
    Path dir;
    private Fleet fleet;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    private void start(String outputs) throws Exception {
        fleet = Fleet.start(dir, Fleet.Options.defaults().outputs(outputs));
    }

    private JsonNode call(String method, String path, String body) throws Exception {
        return fleet.call(method, path, body);
    }

    private JsonNode awaitTerminal(String id) {
        return fleet.awaitTerminal(id);
    }

    private static String workflow(String middleNode, int color) {
        return "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":48,\"batch_size\":1,\"color\":" + color + "}},"
                + "\"2\":" + middleNode + ",\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"e2e\"}}}";
    }

    @Test
    void jobsRunEndToEndWithProgressFailuresAndCancellation() throws Exception {
        start("inline");

        // 1. runsync: COMPLETED with the image inline, in worker-comfyui's shape
        JsonNode done = call("POST", "/v2/ep1/runsync?wait=90000", "{\"input\":{\"workflow\":"
                + workflow("{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}}", 1) + "}}");
        if (!done.path("status").asString().equals("COMPLETED")) {
            done = awaitTerminal(done.path("id").asString());
        }
        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        JsonNode image = done.path("output").path("images").get(0);
        assertThat(image.path("type").asString()).isEqualTo("base64");
        assertThat(image.path("filename").asString()).endsWith(".png");
        assertThat(done.path("output").path("outputs").get(0).path("sha256").asString()).hasSize(64);

        // 2. progress is visible on /status while the workflow runs
        String slow = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],\"steps\":10,\"delay_ms\":300,\"fail_at\":-1}}", 2)
                + "}}").path("id").asString();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode s = call("GET", "/v2/ep1/status/" + slow, null);
            return s.path("status").asString().equals("IN_PROGRESS") && s.path("output").has("max_steps");
        });
        JsonNode running = call("GET", "/v2/ep1/status/" + slow, null);
        assertThat(running.path("output").path("node_type").asString()).isEqualTo("SlowProgress");
        assertThat(awaitTerminal(slow).path("status").asString()).isEqualTo("COMPLETED");

        // 3. a bad workflow is refused with a message that says what to change: at /run once the worker has
        // reported its node catalogue (admission), else it FAILS on the worker
        var refused = fleet.send("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"NoSuchNode\",\"inputs\":{}}", 3) + "}}");
        if (refused.statusCode() == 400) {
            assertThat(refused.body()).contains("invalid_prompt").contains("NoSuchNode");
        } else {
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(200);
            JsonNode failed = awaitTerminal(io.comfyfleet.common.json.Json.MAPPER.readTree(refused.body())
                    .path("id").asString());
            assertThat(failed.path("status").asString()).isEqualTo("FAILED");
            assertThat(failed.path("error").asString()).contains("NoSuchNode");
        }

        // 4. cancelling a running job stops it on ComfyUI; the next job still runs
        String hang = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],\"steps\":200,\"delay_ms\":300,\"fail_at\":-1}}", 4)
                + "}}").path("id").asString();
        await().atMost(Duration.ofSeconds(60)).until(() -> call("GET", "/v2/ep1/status/" + hang, null)
                .path("output").has("max_steps"));
        call("POST", "/v2/ep1/cancel/" + hang, null);
        assertThat(awaitTerminal(hang).path("status").asString()).isEqualTo("CANCELLED");
        String after = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}}", 5) + "}}").path("id").asString();
        JsonNode afterDone = awaitTerminal(after);
        assertThat(afterDone.path("status").asString()).as("%s", afterDone).isEqualTo("COMPLETED");
    }

    @Test
    void heartbeatsKeepTheLeaseOfAJobLongerThanTheLease() throws Exception {
        // progress posts are held back for an hour, so only the pings (job_id=…) can keep the lease
        fleet = Fleet.start(dir, Fleet.Options.defaults().lease("2s", Duration.ofHours(1), Duration.ofMillis(500)));
        // 20 steps of 300 ms: three times the lease
        String id = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],\"steps\":20,\"delay_ms\":300,\"fail_at\":-1}}", 7)
                + "}}").path("id").asString();
        JsonNode done = awaitTerminal(id);
        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.path("retries").asInt(0)).isZero();
    }

    @Test
    void outputsCanGoToTheGatewayOutputStore() throws Exception {
        start("gateway");
        String id = call("POST", "/v2/ep1/run", "{\"input\":{\"workflow\":" + workflow(
                "{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}}", 6) + "}}").path("id").asString();
        JsonNode done = awaitTerminal(id);
        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        JsonNode file = done.path("output").path("outputs").get(0);
        assertThat(file.path("type").asString()).isEqualTo("url");
        HttpResponse<byte[]> fetched = http.send(HttpRequest.newBuilder(URI.create(file.path("url").asString()))
                .header("Authorization", "Bearer " + Fleet.CLIENT_KEY).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat((long) fetched.body().length).isEqualTo(file.path("size").asLong());
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(fetched.body()));
        assertThat(sha).isEqualTo(file.path("sha256").asString());
    }
}
