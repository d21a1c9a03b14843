package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the HTTP stack would answer on its own, before or around the routes (HEAD, a method a path does not take,
 * a URI over Jetty's limits, a path it cannot decode, an upload cut short, a stopping gateway, JSON the parser
 * refuses): each a JSON error that says what to change, never an HTML page, a bare 200 or a 500.
 */
class HttpEdgesTest {
    @TempDir
    Path dir;
    TestGateway gw;

    @BeforeEach
    void start() {
        gw = new TestGateway(dir);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void headRunsNoRouteAndOpensNothing() {
        for (String path : new String[] {"/v2/ep1/health", "/v2/nope/status/x-u1", "/v2/ep1/job-take/w1", "/"}) {
            Reply reply = gw.client.withKey(null).send(gw.client.withKey(null).request(path)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertThat(reply.status()).as(path).isEqualTo(405);
            assertThat(reply.headers().firstValue("Allow")).as(path).hasValue("GET");
        }
        // and no job was claimed by the HEAD on job-take
        String id = gw.run("{}");
        assertThat(gw.status(id).field("status")).isEqualTo("IN_QUEUE");
    }

    @Test
    void aMethodThePathDoesNotTakeIs405NamingTheOnesItDoes() {
        Reply reply = gw.client.get("/v2/ep1/run");
        assertThat(reply.status()).isEqualTo(405);
        assertThat(reply.headers().firstValue("Allow")).hasValueSatisfying(a -> assertThat(a).contains("POST"));
        assertThat(reply.field("error")).isEqualTo("GET is not served at /v2/ep1/run: use POST");
        assertThat(gw.client.get("/v2/ep1/no-such-route").status()).isEqualTo(404);
    }

    /**
     * A base URL without {@code /v2} (the SDK's {@code baseUrl}, {@code RUNPOD_ENDPOINT_BASE_URL}, the CLI's
     * {@code --url}): the 404 says where the route is, rather than only that {@code POST /ep1/run} is not found.
     */
    @Test
    void aRoutePathWithoutItsV2PrefixIsA404SayingWhereTheRouteIs() {
        Reply run = gw.client.post("/ep1/run", "{\"input\":{}}");
        assertThat(run.status()).isEqualTo(404);
        assertThat(run.field("error")).isEqualTo("not found: POST /ep1/run; the API is under /v2: POST /v2/ep1/run"
                + " (a base URL ends in /v2, e.g. http://127.0.0.1:8080/v2)");
        assertThat(gw.client.get("/ep1/status/abc-u1").field("error")).contains("GET /v2/ep1/status/abc-u1");
        assertThat(gw.worker.get("/ep1/job-take/w1").field("error")).contains("GET /v2/ep1/job-take/w1");

        // any other unknown path is only not found
        assertThat(gw.client.get("/nothing/here").field("error")).isEqualTo("not found: GET /nothing/here");
        assertThat(gw.client.post("/v2/run", "{}").field("error")).isEqualTo("not found: POST /v2/run");
        assertThat(gw.client.get("/v2/ep1/no-such-route").field("error"))
                .isEqualTo("not found: GET /v2/ep1/no-such-route");
    }

    @Test
    void aStoppingGatewayRefusesNewJobsAsJsonWithRetryAfter() {
        gw.gateway.stopAccepting();
        Reply reply = gw.client.post("/v2/ep1/run", "{\"input\":{}}");
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(reply.headers().firstValue("Retry-After")).isPresent();
        assertThat(reply.field("error")).contains("stopping");
    }

    @Test
    void jettysOwnRefusalsAreJsonSayingWhatToChange() throws Exception {
        Reply tooLong = gw.client.get("/v2/ep1/status/" + "a".repeat(100_000));
        assertThat(tooLong.status()).isEqualTo(414);
        assertThat(tooLong.field("error")).contains("URI is too long");

        String badPath = raw("GET /v2/ep1/status/%C3%A9%00 HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + TestGateway.CLIENT_KEY + "\r\nConnection: close\r\n\r\n", null);
        assertThat(badPath).startsWith("HTTP/1.1 400");
        assertThat(badPath).containsIgnoringCase("Content-Type: application/json");
        assertThat(badPath).contains("{\"error\":\"the request could not be read");
        assertThat(badPath).contains("check the path's percent-encoding");

        // a refusal about the headers says so, not to check the path
        String bothLengths = raw("POST /v2/ep1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nc\r\n{\"input\":{}}\r\n0\r\n\r\n", null);
        assertThat(bothLengths).startsWith("HTTP/1.1 400").contains("Transfer-Encoding and Content-Length (send one"
                + " Content-Length, or Transfer-Encoding: chunked alone)").doesNotContain("percent-encoding");
        String noHost = raw("GET /v2/ep1/health HTTP/1.1\r\nConnection: close\r\n\r\n", null);
        assertThat(noHost).startsWith("HTTP/1.1 400").contains("No Host (send one Host header)")
                .doesNotContain("percent-encoding");
    }

    @Test
    void anUploadCutShortIsA400AndStoresNothing() throws Exception {
        String id = gw.run("{}");
        assertThat(gw.take("w1")).isEqualTo(id);
        String answer = raw("PUT /v2/ep1/outputs/" + id + "/t.bin HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + TestGateway.WORKER_KEY + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n",
                new byte[] {1, 2, 3});
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer).contains("could not be read after 3 bytes").contains("nothing was stored");
        assertThat(gw.client.get("/v2/ep1/outputs/" + id + "/t.bin").status()).isEqualTo(404);
    }

    @Test
    void jsonTheParserRefusesIsExplainedWithoutTheParsersInternals() throws Exception {
        assertThat(runError("{\"input\": {")).startsWith("the body is not valid JSON at line 1, column ");
        assertThat(runError("{\"input\":{}} {\"input\":{}}")).contains("more than one JSON value");
        assertThat(runError("{\"input\":" + "[".repeat(500) + "]".repeat(500) + "}"))
                .contains("nested deeper than 200 levels");
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write("{\"input\":{}}".getBytes(StandardCharsets.UTF_8));
        }
        Reply gz = gw.client.send(gw.client.request("/v2/ep1/run").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray())));
        assertThat(gz.status()).isEqualTo(400);
        assertThat(gz.field("error")).contains("gzip");
        for (String body : new String[] {"{\"input\": {", "{\"input\":{}} {}", "{\"input\":" + "[".repeat(500)}) {
            assertThat(runError(body)).doesNotContain("`").doesNotContain("Source").doesNotContain("REDACTED")
                    .doesNotContain("Feature");
        }
    }

    @Test
    void anUnknownEndpointsNameIsNotEchoedWhole() {
        Reply reply = gw.client.get("/v2/" + "e".repeat(5_000) + "/health");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.field("error")).hasSizeLessThan(120).contains("...");
    }

    private String runError(String body) {
        Reply reply = gw.client.post("/v2/ep1/run", body);
        assertThat(reply.status()).as(body).isEqualTo(400);
        return reply.field("error");
    }

    /** Sends the request head (and body bytes, then half-closes), returns the whole answer as text. */
    private String raw(String head, byte[] body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gw.gateway.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                out.write(body);
                out.flush();
                socket.shutdownOutput();
            }
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
