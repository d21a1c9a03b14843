package io.comfyfleet.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A live event stream cut before the result (a proxy's idle timeout, a gateway restart): the SDK reconnects
 * with {@code Last-Event-ID} and finishes on the second connection. A scripted server, because the real
 * gateway never cuts a stream on purpose.
 */
class EventResumeTest {
    HttpServer server;
    final List<String> lastEventIds = new CopyOnWriteArrayList<>();
    final java.util.concurrent.CountDownLatch clientLeft = new java.util.concurrent.CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool()); // the endless stream holds one
        server.createContext("/v2/ep/events/job-1", this::events);
        server.createContext("/v2/ep/events/job-2", this::endless);
        server.createContext("/v2/ep/events/job-3", this::gone);
        server.createContext("/v2/ep/status/job-3", this::gone);
        server.createContext("/v2/ep/events/job-4", this::hangsOnce);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void events(HttpExchange ex) throws IOException {
        String last = ex.getRequestHeaders().getFirst("Last-Event-ID");
        lastEventIds.add(String.valueOf(last));
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            String text = last == null
                    ? """
                    : keep-alive

                    event: status
                    id: IN_PROGRESS.1
                    data: {"id":"job-1","status":"IN_PROGRESS"}

                    event: progress
                    id: IN_PROGRESS.2
                    data: {"percent":25.0,"node_id":"3",
                    data: "node_type":"KSampler"}

                    """
                    : """
                    event: result
                    id: COMPLETED.3
                    data: {"id":"job-1","status":"COMPLETED","output":{"images":[]}}

                    """;
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    static final String TTL_RAN_OUT = "job job-3 does not exist: its ttl ran out while this call waited (10000 ms"
            + " from its submission, policy.ttl or the endpoint's ttl), so it was deleted, as RunPod deletes an expired job";

    /** A job whose TTL runs out while followed: the gateway's last event says so; asked again, it is a plain 404. */
    private void gone(HttpExchange ex) throws IOException {
        String last = ex.getRequestHeaders().getFirst("Last-Event-ID");
        lastEventIds.add(ex.getRequestURI().getPath() + " " + last);
        if (ex.getRequestURI().getPath().contains("/events/") && last == null) {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(("event: status\nid: IN_QUEUE.1\ndata: {\"id\":\"job-3\",\"status\":\"IN_QUEUE\"}\n\n"
                        + "event: gone\ndata: {\"id\":\"job-3\",\"error\":\"" + TTL_RAN_OUT + "\"}\n\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        byte[] body = "{\"error\":\"job job-3 does not exist (unknown id, or deleted after its TTL or retention)\"}"
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(404, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    final java.util.concurrent.atomic.AtomicInteger job4Calls = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * A gateway that stalls for a while (a paused process, a proxy holding the request): the first stream ends
     * before the result, the next request gets no answer at all, and the one after that gets the result.
     */
    private void hangsOnce(HttpExchange ex) throws IOException {
        int call = job4Calls.incrementAndGet();
        if (call == 2) {
            try {
                Thread.sleep(3_000); // longer than the client's request timeout: it gives up on this one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            out.write((call == 1
                    ? "event: status\nid: IN_PROGRESS.1\ndata: {\"id\":\"job-4\",\"status\":\"IN_PROGRESS\"}\n\n"
                    : "event: result\nid: COMPLETED.2\ndata: {\"id\":\"job-4\",\"status\":\"COMPLETED\",\"output\":{\"images\":[]}}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A job that never ends: keep-alive comments every 50 ms until a write fails because the client left. */
    private void endless(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            out.write("event: status\nid: IN_QUEUE.1\ndata: {\"id\":\"job-2\",\"status\":\"IN_QUEUE\"}\n\n"
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                Thread.sleep(50);
                out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            clientLeft.countDown();
        }
    }

    @Test
    void cancellingAnAsyncWaitClosesItsConnection() throws Exception {
        ComfyFleetClient client = ComfyFleetClient.builder()
                .baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/v2").apiKey("k").build();
        var wait = client.endpoint("ep").job("job-2").awaitAsync(Duration.ofSeconds(60));
        Thread.sleep(300);
        assertThat(wait).isNotDone();
        wait.cancel(true);
        assertThat(clientLeft.await(10, java.util.concurrent.TimeUnit.SECONDS))
                .as("the server saw the client close the stream").isTrue();
    }

    @Test
    void reconnectsAfterTheLastEventAndFinishes() {
        ComfyFleetClient client = ComfyFleetClient.builder()
                .baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/v2").apiKey("k")
                .pollInterval(Duration.ofMillis(50)).build();
        List<Progress> seen = new CopyOnWriteArrayList<>();

        JobResult result = client.endpoint("ep").job("job-1").onProgress(seen::add).await(Duration.ofSeconds(10));

        assertThat(result.status().state()).isEqualTo(JobState.COMPLETED);
        assertThat(result.outputs()).isEmpty();
        assertThat(lastEventIds).containsExactly("null", "IN_PROGRESS.2");
        // a data field split over two lines is joined with a newline, as the SSE grammar says
        assertThat(seen).singleElement().satisfies(p -> {
            assertThat(p.percent()).isEqualTo(25.0);
            assertThat(p.nodeType()).isEqualTo("KSampler");
        });
    }

    @Test
    void aGoneEventEndsTheWaitWithTheGatewaysReason() {
        ComfyFleetClient client = ComfyFleetClient.builder()
                .baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/v2").apiKey("k")
                .pollInterval(Duration.ofMillis(50)).build();

        assertThatThrownBy(() -> client.endpoint("ep").job("job-3").await(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("the event stream of job job-3 ended: " + TTL_RAN_OUT);
                    assertThat(e.jobId()).isEqualTo("job-3");
                    assertThat(e.httpStatus()).isEqualTo(404);
                });
        // told on the stream itself: no reconnect, no /status to ask which 404 it was
        assertThat(lastEventIds).containsExactly("/v2/ep/events/job-3 null");
    }

    @Test
    void aStreamRequestThatGetsNoAnswerIsAskedAgainOnceTheGatewayWasHeard() {
        ComfyFleetClient client = ComfyFleetClient.builder()
                .baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/v2").apiKey("k")
                .pollInterval(Duration.ofMillis(50)).requestTimeout(Duration.ofMillis(500)).build();

        // the second request's answer wait runs out: an outage to ride through, as a refused connection is
        JobResult result = client.endpoint("ep").job("job-4").await(Duration.ofSeconds(20));

        assertThat(result.status().state()).isEqualTo(JobState.COMPLETED);
        assertThat(job4Calls.get()).isEqualTo(3);
    }
}
