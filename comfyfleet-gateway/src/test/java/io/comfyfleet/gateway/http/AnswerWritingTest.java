package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.GatewayPerTest;
import io.comfyfleet.gateway.support.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * JSON answers are written straight into the response: a small one still goes out whole with its
 * Content-Length, a large one (beyond the response buffer) arrives intact, and compression still applies when
 * the client accepts it. Request bodies are read whole whether or not their length is announced.
 */
class AnswerWritingTest extends GatewayPerTest {
    @Test
    void aSmallAnswerHasItsContentLength() {
        Reply run = gw.client.post("/v2/ep1/run", "{\"input\":{\"a\":1}}");
        assertThat(run.status()).isEqualTo(200);
        assertThat(run.headers().firstValue("Content-Length")).hasValue(
                Integer.toString(run.text().getBytes(StandardCharsets.UTF_8).length));
        assertThat(run.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));

        Reply missing = gw.status("nope-u1");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Length")).isPresent();
        assertThat(missing.field("error")).contains("nope-u1");
    }

    @Test
    void aLargeAnswerArrivesWholeAndCompressedWhenAccepted() throws Exception {
        String id = gw.run("{}");
        gw.take("w1");
        String big = "x".repeat(100_000) + "\u00e9\u4e2d"; // beyond the 32 KB response buffer, not only ASCII
        String done = "{\"output\":{\"big\":\"" + big + "\"}}";
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, done).status()).isEqualTo(200);

        Reply plain = gw.status(id);
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.json().path("output").path("big").asString()).isEqualTo(big);

        HttpResponse<byte[]> gzipped = HttpClient.newHttpClient().send(gw.client.request("/v2/ep1/status/" + id)
                .header("Accept-Encoding", "gzip").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gunzip(gzipped.body())).isEqualTo(plain.text());
    }

    @Test
    void aChunkedRequestBodyIsReadWhole() throws Exception {
        byte[] body = "{\"input\":{\"n\":42}}".getBytes(StandardCharsets.UTF_8);
        // a publisher of unknown length: the JDK client sends it chunked, without Content-Length
        HttpRequest request = gw.client.request("/v2/ep1/run")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        HttpResponse<String> run = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        assertThat(gw.take("w1")).isNotBlank();
    }

    private static String gunzip(byte[] bytes) throws IOException {
        try (var in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
