package io.comfyfleet.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK against a RunPod-shaped endpoint running worker-comfyui: no {@code /events} route (RunPod answers
 * 404), so the SDK polls {@code /status}; the result is worker-comfyui's {@code {"images": [...]}} without
 * ComfyFleet's {@code outputs} list, with one inline image and one {@code s3_url} on another host.
 */
class RunpodCompatibilityTest {
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 9, 9};
    static final byte[] S3_BYTES = "bytes in a bucket".getBytes(StandardCharsets.UTF_8);
    static final String KEY = "rp_key_0123456789";

    @TempDir
    Path dir;
    HttpServer runpod;
    HttpServer s3;
    final AtomicInteger statusCalls = new AtomicInteger();
    final AtomicInteger eventCalls = new AtomicInteger();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final Map<String, String> s3Auth = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        s3 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s3.createContext("/bucket/", ex -> {
            s3Auth.put("authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            reply(ex, 200, "application/octet-stream", S3_BYTES);
        });
        s3.start();
        runpod = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        runpod.createContext("/v2/", this::handle);
        runpod.start();
    }

    @AfterEach
    void stop() {
        runpod.stop(0);
        s3.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        String path = ex.getRequestURI().getPath();
        if (path.equals("/v2/rp-endpoint/run")) {
            reply(ex, 200, "application/json", "{\"id\":\"abc-123-e1\",\"status\":\"IN_QUEUE\"}");
        } else if (path.startsWith("/v2/rp-endpoint/events/")) {
            eventCalls.incrementAndGet();
            reply(ex, 404, "text/plain", "404 page not found");
        } else if (path.equals("/v2/rp-endpoint/status/abc-123-e1")) {
            int call = statusCalls.incrementAndGet();
            String body;
            if (call <= 2) {
                body = "{\"id\":\"abc-123-e1\",\"status\":\"IN_QUEUE\",\"delayTime\":0}";
            } else if (call <= 4) {
                // RunPod's progress_update output as a worker-comfyui fork with ComfyFleet's shape sends it
                body = "{\"id\":\"abc-123-e1\",\"status\":\"IN_PROGRESS\",\"delayTime\":900,\"executionTime\":10,"
                        + "\"output\":{\"percent\":55.5,\"node_id\":\"3\",\"node_type\":\"KSampler\",\"step\":11,"
                        + "\"max_steps\":20}}";
            } else {
                String b64 = Base64.getEncoder().encodeToString(PNG);
                String s3Url = "http://127.0.0.1:" + s3.getAddress().getPort() + "/bucket/abc-123-e1/second.png";
                body = "{\"id\":\"abc-123-e1\",\"status\":\"COMPLETED\",\"delayTime\":900,\"executionTime\":3400,"
                        + "\"workerId\":\"uhbbfre73gqjwh\",\"output\":{\"images\":["
                        + "{\"filename\":\"ComfyUI_00001_.png\",\"type\":\"base64\",\"data\":\"" + b64 + "\"},"
                        + "{\"filename\":\"second.png\",\"type\":\"s3_url\",\"data\":\"" + s3Url + "\"}]}}";
            }
            reply(ex, 200, "application/json", body);
        } else if (path.equals("/v2/rp-endpoint/status/timed-out-e1")) {
            reply(ex, 200, "application/json", "{\"id\":\"timed-out-e1\",\"status\":\"TIMED_OUT\","
                    + "\"error\":\"execution timeout exceeded\"}");
        } else if (path.equals("/v2/rp-endpoint/status/failed-e1")) {
            // RunPod's Python worker reports an exception as a plain error string, without details
            reply(ex, 200, "application/json", "{\"id\":\"failed-e1\",\"status\":\"FAILED\","
                    + "\"error\":\"Workflow validation failed\"}");
        } else {
            reply(ex, 404, "text/plain", "404 page not found");
        }
    }

    @Test
    void terminalStatesOfARunpodJobBecomeTypedExceptions() {
        Endpoint ep = ComfyFleetClient.builder()
                .baseUrl("http://127.0.0.1:" + runpod.getAddress().getPort() + "/v2").apiKey(KEY).build()
                .endpoint("rp-endpoint");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ep.job("timed-out-e1").await(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(JobTimedOutException.class, e -> {
                    assertThat(e.lastState()).isEqualTo(JobState.TIMED_OUT);
                    assertThat(e.serverMessage()).isEqualTo("execution timeout exceeded");
                    assertThat(e.jobId()).isEqualTo("timed-out-e1");
                });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ep.job("failed-e1").await(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(JobFailedException.class, e -> {
                    assertThat(e.serverMessage()).isEqualTo("Workflow validation failed");
                    assertThat(e.details()).isNull();
                });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ep.status("gone-e1"))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.serverMessage()).isEqualTo("404 page not found"));
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        reply(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getRequestBody().readAllBytes();
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    @Test
    void pollsStatusWhenThereAreNoEventsAndReadsWorkerComfyuiImages() throws IOException {
        ComfyFleetClient client = ComfyFleetClient.builder()
                .baseUrl("http://127.0.0.1:" + runpod.getAddress().getPort() + "/v2").apiKey(KEY)
                .pollInterval(Duration.ofMillis(20)).build();
        Endpoint ep = client.endpoint("rp-endpoint");
        List<Progress> seen = new CopyOnWriteArrayList<>();

        JobResult result = ep.run(ClientAgainstGatewayTest.WORKFLOW).onProgress(seen::add).await(Duration.ofSeconds(10));

        assertThat(eventCalls).hasValue(1);
        assertThat(statusCalls.get()).isGreaterThanOrEqualTo(5);
        // the same progress seen twice by polling is reported once
        assertThat(seen).singleElement().satisfies(p -> {
            assertThat(p.percent()).isEqualTo(55.5);
            assertThat(p.step()).isEqualTo(11);
            assertThat(p.preview()).isEmpty();
        });
        assertThat(result.status().workerId()).isEqualTo("uhbbfre73gqjwh");
        assertThat(result.outputs()).extracting(Output::filename).containsExactly("ComfyUI_00001_.png", "second.png");
        assertThat(result.outputs()).extracting(Output::type).containsExactly("base64", "s3_url");
        List<Path> files = result.saveTo(dir);
        assertThat(Files.readAllBytes(files.get(0))).isEqualTo(PNG);
        assertThat(Files.readAllBytes(files.get(1))).isEqualTo(S3_BYTES);
        // RunPod gets the key as a bearer token; the bucket on another host never sees it
        assertThat(authorizations).isNotEmpty().allMatch(("Bearer " + KEY)::equals);
        assertThat(s3Auth).containsEntry("authorization", "null");

        // learnt once: the next wait on this endpoint goes straight to /status
        ep.job("abc-123-e1").await(Duration.ofSeconds(5));
        assertThat(eventCalls).hasValue(1);
    }
}
