package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.GatewayPerTest;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@code GET /v2/{endpoint}/events/{id}}: the job's changes as Server-Sent Events, resumable, ending with the result. */
class EventRoutesTest extends GatewayPerTest {
    final HttpClient http = HttpClient.newHttpClient();

    record Event(String type, String id, String data) {}

    @Test
    void followsAJobFromQueueThroughProgressAndPreviewToItsResult() throws Exception {
        String id = gw.run("{\"workflow\":{}}");
        CompletableFuture<List<Event>> events = CompletableFuture.supplyAsync(() -> read(id, null));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway.waitingOnJob(id) > 0);

        gw.take("w1");
        post("/v2/ep1/job-done/w1/" + id, "{\"status\":\"IN_PROGRESS\",\"output\":{\"percent\":50.0,\"node_id\":\"3\","
                + "\"preview\":\"data:image/jpeg;base64,AAEC\"}}");
        post("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"images\":[]}}");

        List<Event> seen = events.get(20, TimeUnit.SECONDS);
        assertThat(seen).extracting(Event::type).containsSubsequence("status", "status", "preview", "progress", "result");
        assertThat(seen.getFirst().data()).contains("\"status\":\"IN_QUEUE\"");
        Event progress = seen.stream().filter(e -> e.type().equals("progress")).findFirst().orElseThrow();
        assertThat(progress.data()).contains("\"percent\":50.0").doesNotContain("preview");
        Event preview = seen.stream().filter(e -> e.type().equals("preview")).findFirst().orElseThrow();
        assertThat(preview.data()).isEqualTo("{\"preview\":\"data:image/jpeg;base64,AAEC\"}");
        assertThat(seen.getLast().data()).contains("\"status\":\"COMPLETED\"", "\"images\":[]");
        assertThat(seen).allSatisfy(e -> assertThat(e.id()).isNotBlank());
    }

    @Test
    void aReconnectWithTheLastEventIdIsSentOnlyWhatChanged() throws Exception {
        String id = gw.run("{\"workflow\":{}}");
        gw.take("w1");
        // spaced out by the worker, sent compactly on one data: line (the frameless fast path)
        post("/v2/ep1/job-done/w1/" + id, "{\"status\":\"IN_PROGRESS\",\"output\": {\"percent\": 10.0,\n \"note\": \"a\\nb\"}}");
        // first connection: read the snapshot, then drop it
        String lastId;
        HttpResponse<InputStream> first = open(id, null);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(first.body(), StandardCharsets.UTF_8))) {
            List<Event> snapshot = parse(reader, 2);
            assertThat(snapshot).extracting(Event::type).containsExactly("status", "progress");
            assertThat(snapshot.getLast().data()).isEqualTo("{\"percent\":10.0,\"note\":\"a\\nb\"}");
            lastId = snapshot.getLast().id();
        }
        post("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"images\":[]}}");
        List<Event> resumed = read(id, lastId);
        assertThat(resumed).extracting(Event::type).containsExactly("status", "result");

        // a client that already holds the result gets an empty, ended stream
        assertThat(read(id, resumed.getLast().id())).isEmpty();
    }

    @Test
    void unknownJobsAndMissingKeysAreRefusedBeforeTheStreamStarts() {
        Reply unknown = gw.client.get("/v2/ep1/events/no-such-job");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.field("error")).contains("no-such-job");
        String id = gw.run("{\"workflow\":{}}");
        assertThat(gw.client.withKey(null).get("/v2/ep1/events/" + id).status()).isEqualTo(401);
        assertThat(gw.client.withKey(TestGateway.WORKER_KEY).get("/v2/ep1/events/" + id).status()).isEqualTo(401);
    }

    private void post(String path, String json) {
        assertThat(gw.worker.post(path, json).status()).isEqualTo(200);
    }

    private HttpResponse<InputStream> open(String id, String lastEventId) {
        HttpRequest.Builder request = gw.client.request("/v2/ep1/events/" + id).GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            return response;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Every event until the server ends the stream. */
    private List<Event> read(String id, String lastEventId) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(open(id, lastEventId).body(),
                StandardCharsets.UTF_8))) {
            return parse(reader, Integer.MAX_VALUE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Event> parse(BufferedReader reader, int max) throws java.io.IOException {
        List<Event> events = new ArrayList<>();
        String type = null;
        String id = null;
        String data = null;
        String line;
        while (events.size() < max && (line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    events.add(new Event(type, id, data));
                }
                type = null;
                data = null;
            } else if (line.startsWith("event: ")) {
                type = line.substring(7);
            } else if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("data: ")) {
                data = line.substring(6);
            }
        }
        return events;
    }
}
