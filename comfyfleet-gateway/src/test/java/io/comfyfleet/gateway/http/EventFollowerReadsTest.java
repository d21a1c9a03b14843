package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live followers of a job are sent each progress update and the result from the state the change left, not
 * from a read of the store per follower and change; a claim (which a cancel may overtake) is read from the
 * store.
 */
class EventFollowerReadsTest {
    @TempDir
    Path dir;
    TestGateway gw;
    final AtomicInteger finds = new AtomicInteger();
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        gw = new TestGateway(new ConfigLoader(name -> null).parse(TestGateway.yaml(""), "test config", dir),
                store -> WorkerPostsTest.countingFinds(store, finds));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void twoFollowersSeeEveryStepAndTheResultWithoutReadingTheJobBack() throws Exception {
        String id = gw.run("{\"workflow\":{}}");
        try (BufferedReader first = follow(id); BufferedReader second = follow(id)) {
            assertThat(nextEvent(first)).contains("event: status", "\"status\":\"IN_QUEUE\"");
            assertThat(nextEvent(second)).contains("event: status", "\"status\":\"IN_QUEUE\"");
            gw.take("w1");
            assertThat(nextEvent(first)).contains("event: status", "\"status\":\"IN_PROGRESS\"", "\"workerId\":\"w1\"");
            assertThat(nextEvent(second)).contains("event: status", "\"status\":\"IN_PROGRESS\"");
            finds.set(0);

            for (int step = 1; step <= 5; step++) {
                assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id,
                        "{\"status\":\"IN_PROGRESS\",\"output\":{\"step\":" + step + "}}").status()).isEqualTo(200);
                assertThat(nextEvent(first)).contains("event: progress", "data: {\"step\":" + step + "}");
                assertThat(nextEvent(second)).contains("event: progress", "data: {\"step\":" + step + "}");
            }
            assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"images\":[]}}").status())
                    .isEqualTo(200);
            for (BufferedReader follower : new BufferedReader[] {first, second}) {
                assertThat(nextEvent(follower)).contains("event: status", "\"status\":\"COMPLETED\"");
                assertThat(nextEvent(follower)).contains("event: result", "\"images\":[]");
                assertThat(follower.readLine()).isNull(); // the stream ends with the result
            }
            assertThat(finds).hasValue(0);
        }
    }

    @Test
    void aCancelledJobEndsTheStreamWithItsStoredState() throws Exception {
        String id = gw.run("{\"workflow\":{}}");
        try (BufferedReader follower = follow(id)) {
            assertThat(nextEvent(follower)).contains("\"status\":\"IN_QUEUE\"");
            gw.take("w1");
            assertThat(nextEvent(follower)).contains("\"status\":\"IN_PROGRESS\"");
            assertThat(gw.client.post("/v2/ep1/cancel/" + id, null).status()).isEqualTo(200);
            // late progress from the worker is ignored and sends nothing
            gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"status\":\"IN_PROGRESS\",\"output\":{\"step\":9}}");
            assertThat(nextEvent(follower)).contains("event: status", "\"status\":\"CANCELLED\"");
            assertThat(nextEvent(follower)).contains("event: result", "\"status\":\"CANCELLED\"");
            assertThat(follower.readLine()).isNull();
        }
        assertThat(gw.status(id).json().path("status").asString()).isEqualTo("CANCELLED");
    }

    private BufferedReader follow(String id) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(gw.client.request("/v2/ep1/events/" + id).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    /** The lines of the next event, joined by newlines (blocks until the server sends it). */
    private static String nextEvent(BufferedReader reader) throws IOException {
        StringBuilder event = new StringBuilder();
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (!event.isEmpty()) {
                    return event.toString();
                }
                continue;
            }
            if (!line.startsWith(":")) { // keep-alive comments are not events
                event.append(line).append('\n');
            }
        }
        throw new AssertionError("the stream ended before the next event; got: " + event);
    }
}
