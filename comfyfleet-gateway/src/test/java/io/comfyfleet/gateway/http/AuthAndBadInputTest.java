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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys, and everything a careless or hostile client can send: each gets a clear 4xx, never a 500. */
class AuthAndBadInputTest {
    @TempDir
    Path dir;
    TestGateway gw;

    @BeforeEach
    void start() {
        gw = new TestGateway(dir, "  maxRunBody: 64KB\n  maxRunsyncBody: 128KB");
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void theKeyIsAcceptedWithOrWithoutBearer() {
        Reply raw = gw.client.send(gw.client.request("/v2/ep1/health").header("Authorization", TestGateway.CLIENT_KEY)
                .GET());
        // Api adds "Bearer " itself; this request carries only the raw key
        assertThat(raw.status()).isEqualTo(200);
        assertThat(gw.client.get("/v2/ep1/health").status()).isEqualTo(200);
    }

    @Test
    void missingWrongAndOtherSideKeysAre401WithoutDetail() {
        String[] paths = {"/v2/ep1/health", "/v2/ep1/status/x-u1", "/v2/nope/health"};
        for (String path : paths) {
            for (var api : new io.comfyfleet.gateway.support.Api[] {
                    gw.client.withKey(null), gw.client.withKey("wrong-key-0123456789"), gw.worker}) {
                Reply reply = api.get(path);
                assertThat(reply.status()).as(path).isEqualTo(401);
                assertThat(reply.text()).isEqualTo("{\"error\":\"unauthorized\"}");
            }
        }
        assertThat(gw.client.get("/v2/ep1/job-take/w1").status()).isEqualTo(401);
        assertThat(gw.client.withKey(TestGateway.OTHER_CLIENT_KEY).get("/v2/ep1/health").status()).isEqualTo(401);
        // a valid key for some endpoint learns that this one does not exist
        assertThat(gw.client.get("/v2/nope/health").status()).isEqualTo(404);
    }

    @Test
    void keysNeverReachTheLogs() {
        var root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        var captured = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        captured.start();
        root.addAppender(captured);
        ch.qos.logback.classic.Level before = root.getLevel();
        root.setLevel(ch.qos.logback.classic.Level.TRACE);
        try {
            gw.client.withKey("wrong-key-0123456789").get("/v2/ep1/health");
            String id = gw.run("{}");
            gw.client.post("/v2/ep1/run", "{broken");
            gw.take("w1");
            gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}");
        } finally {
            root.setLevel(before);
            root.detachAppender(captured);
        }
        assertThat(captured.list).isNotEmpty();
        for (var event : captured.list) {
            assertThat(event.getFormattedMessage())
                    .doesNotContain(TestGateway.CLIENT_KEY)
                    .doesNotContain(TestGateway.WORKER_KEY)
                    .doesNotContain("wrong-key-0123456789");
        }
    }

    @Test
    void malformedBodiesSayWhatIsWrong() {
        assertBad("{\"input\": {", "not valid JSON");
        assertBad("", "the body is empty");
        assertBad("[1,2]", "must be a JSON object");
        assertBad("{\"prompt\":\"x\"}", "\"input\" is required");
        assertBad("{\"input\":null}", "\"input\" is required");
        assertBad("{\"input\":{},\"webhook\":5}", "\"webhook\" must be an http(s) URL");
        assertBad("{\"input\":{},\"webhook\":\"ftp://x/y\"}", "absolute http:// or https:// URL");
        assertBad("{\"input\":{},\"policy\":\"fast\"}", "\"policy\" must be an object");
        assertBad("{\"input\":{},\"policy\":{\"ttl\":\"1h\"}}", "\"policy.ttl\" must be a whole number of milliseconds");
        assertBad("{\"input\":{},\"policy\":{\"ttl\":1000}}", "\"policy.ttl\" must be from 10000 to 604800000 ms, got 1000");
        assertBad("{\"input\":{},\"policy\":{\"executionTimeout\":999999999999}}", "\"policy.executionTimeout\" must be from 5000");
        assertBad("{\"input\":{},\"policy\":{\"executionTimeout\":12345678901234567890123}}",
                "\"policy.executionTimeout\" must be from 5000 to 604800000 ms, got 12345678901234567890123");
        assertBad("{\"input\":{},\"policy\":{\"ttl\":60000.5}}", "\"policy.ttl\" must be a whole number of"
                + " milliseconds from 10000 to 604800000 ms, got 60000.5");
        assertBad("{\"input\":{},\"policy\":{\"executionTimeOut\":60000}}", "\"policy\" has no key"
                + " \"executionTimeOut\"; it takes executionTimeout, ttl, lowPriority");
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{},\"policy\":{\"ttl\":6e4}}").status())
                .as("6e4 is a whole number, as JSON writes it").isEqualTo(200);
        assertBad("{\"input\":{},\"policy\":{\"lowPriority\":\"yes\"}}", "\"policy.lowPriority\" must be true or false");
        assertBad("{\"input\":{},\"s3Config\":[]}", "\"s3Config\" must be an object");
        assertBad("{\"input\":{},\"s3Config\":{}}", "\"s3Config.accessId\" is required as text");
        assertBad("{\"input\":{},\"s3Config\":{\"accessId\":\"a\",\"accessSecret\":\"s\",\"bucketName\":\"b\","
                + "\"endpointUrl\":5}}", "\"s3Config.endpointUrl\" is required as text; S3 delivery needs");
        assertBad("{\"input\":{},\"s3Config\":{\"accessId\":\"a\",\"accessSecret\":\"s\",\"bucketName\":\"b\","
                + "\"endpointUrl\":\"file:///etc\"}}", "\"s3Config.endpointUrl\" must be an http(s)://host[:port] URL");
        assertBad("{\"input\":{},\"s3Config\":{\"accessId\":\"a\",\"accessSecret\":\"s\",\"bucketName\":\"b\","
                + "\"endpointUrl\":\"http://s3\",\"objectPath\":[1]}}", "\"s3Config.objectPath\" must be text");
        assertThat(gw.client.post("/v2/ep1/runsync?wait=soon", "{\"input\":{}}").field("error"))
                .contains("?wait must be a whole number of milliseconds");
        assertThat(gw.client.get("/v2/ep1/status/x-u1?ttl=99999999999").field("error"))
                .isEqualTo("?ttl must be from 10000 to 604800000, got 99999999999");
        assertThat(gw.worker.get("/v2/ep1/job-take-batch/w1?batch_size=0").field("error"))
                .isEqualTo("?batch_size must be 1 or more (above 64 it counts as 64), got 0");
        assertThat(gw.worker.get("/v2/ep1/job-take/bad%20worker").status()).isEqualTo(400);
    }

    /**
     * {@code java.net.URI} takes any digits as a port: a webhook or S3 endpoint on port 99999 was accepted, the job run,
     * and the call failed only at delivery, where the client sees nothing.
     */
    @Test
    void aWebhookOrS3PortOutOfRangeIsRefused() {
        assertBad("{\"input\":{},\"webhook\":\"http://127.0.0.1:99999/hook\"}",
                "\"webhook\" has port 99999; a port is from 1 to 65535");
        assertBad("{\"input\":{},\"webhook\":\"https://127.0.0.1:0/hook\"}", "\"webhook\" has port 0");
        assertBad("{\"input\":{},\"s3Config\":{\"accessId\":\"a\",\"accessSecret\":\"s\",\"bucketName\":\"b\","
                + "\"endpointUrl\":\"http://s3.example.com:123456\"}}", "\"s3Config.endpointUrl\" has port 123456; a port is"
                + " from 1 to 65535");
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{},\"webhook\":\"http://127.0.0.1:65535/hook\"}")
                .status()).isEqualTo(200);
        assertThat(gw.client.get("/v2/ep1/health").json().path("jobs").path("inQueue").asInt()).isEqualTo(1);
    }

    /** JSON is UTF-8 (RFC 8259): a body in another encoding says so, not only which byte broke. */
    @Test
    void aBodyNotInUtf8IsRefusedSayingToSendUtf8() {
        Reply latin1 = gw.client.send(gw.client.request("/v2/ep1/run")
                .header("Content-Type", "application/json; charset=iso-8859-1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(
                        "{\"input\":{\"prompt\":\"caf\u00e9\"}}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))));
        assertThat(latin1.status()).isEqualTo(400);
        assertThat(latin1.field("error")).startsWith("the body is not valid JSON at line 1, column")
                .endsWith("; send the body encoded as UTF-8");
    }

    @Test
    void anInputNumberTooLargeForAFloatIsRefusedNamingWhereItIs() {
        // read as Infinity, it would be stored and served back as Infinity, which no JSON client can parse
        assertBad("{\"input\":{\"steps\":1e400}}", "\"input.steps\" is a number out of range: beyond ±1.8e308");
        assertBad("{\"input\":{\"workflow\":{\"3\":{\"inputs\":{\"sizes\":[1,-1e400]}}}}}",
                "\"input.workflow.3.inputs.sizes[1]\" is a number out of range");
        assertThat(gw.client.post("/v2/ep1/runsync?wait=1000", "{\"input\":[1e400]}").field("error"))
                .isEqualTo("\"input[0]\" is a number out of range: beyond ±1.8e308, the largest a JSON number may be"
                        + " here (a 64-bit float); send a smaller number, or send it as text");
        String inRange = "{\"input\":{\"big\":1e308,\"tiny\":1e-400,\"long\":1" + "0".repeat(400) + "}}";
        assertThat(gw.client.post("/v2/ep1/run", inRange).status()).as("large but in range, or rounded to zero")
                .isEqualTo(200);
    }

    /**
     * {@code "\\ud800"} is JSON syntax for half of a UTF-16 pair, no character (Python's json.dumps writes it for text
     * read with {@code errors="surrogateescape"}). Stored as UTF-8 it became {@code "?"}: the job was accepted and its
     * worker got another input than the client sent.
     */
    @Test
    void textWithALoneSurrogateIsRefusedNamingWhereItIs() {
        assertBad("{\"input\":{\"workflow\":{\"6\":{\"inputs\":{\"text\":\"a cat \\ud800\"}}}}}",
                "\"input.workflow.6.inputs.text\" holds a lone surrogate (\\ud800), half of a UTF-16 pair and no"
                        + " character, which cannot be stored (it would reach the worker as \"?\"); send whole"
                        + " characters");
        assertBad("{\"input\":{\"names\":[\"ok\",\"\\udc00x\"]}}", "\"input.names[1]\" holds a lone surrogate (\\udc00)");
        assertBad("{\"input\":{\"\\ud83d\":1}}", "Broken surrogate pair in property name"); // the parser's own
        assertBad("{\"input\":{},\"s3Config\":{\"accessId\":\"a\",\"accessSecret\":\"s\",\"bucketName\":\"b\","
                + "\"endpointUrl\":\"https://s3.example.com\",\"objectPath\":\"x\\ud800\"}}",
                "\"s3Config.objectPath\" holds a lone surrogate");
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\":{\"text\":\"\\ud83d\\ude00 \u00e9\"}}").status())
                .as("a whole pair is a character, as is any other").isEqualTo(200);
        assertThat(gw.client.get("/v2/ep1/health").json().path("jobs").path("inQueue").asInt()).isEqualTo(1);
    }

    @Test
    void notQuiteJsonIsRefusedSayingWhatToChange() {
        // what Python's json.dumps, a JavaScript object literal or a hand-edited file produce
        assertBad("{\"input\": NaN}", "at line 1, column 14: NaN is not a JSON number; send a number, null, or the"
                + " value as text (\"NaN\")");
        assertBad("{\"input\": {\"seed\": -Infinity}}", "-Infinity is not a JSON number; send a number, null, or"
                + " the value as text (\"-Infinity\")");
        assertBad("{\"input\": [nan]}", "nan is not a JSON number");
        assertBad("// my job\n{\"input\": {}}", "at line 1, column 1: JSON has no comments; remove the comment");
        assertBad("{\"input\": {} /* later */}", "JSON has no comments; remove the comment");
        assertBad("{\"input\": {}}\n# done", "JSON has no comments; remove the comment");
        assertBad("{\"input\": {\"steps\": +20}}", "a JSON number has no leading plus sign; remove the +");
        assertBad("{'input': {}}", "a property name must be in double quotes, like {\"input\": ...}");
        assertThat(gw.client.post("/v2/ep1/runsync?wait=1000", "{\"input\": Infinity}").field("error"))
                .contains("Infinity is not a JSON number");
        for (String body : List.of("{\"input\": NaN}", "// c\n{\"input\":1}", "{\"input\": +1}")) {
            // the parser's own advice (enable a feature of it) is nothing a client can do
            assertThat(gw.client.post("/v2/ep1/run", body).field("error")).as(body)
                    .doesNotContain("enable", "Feature", "ALLOW_", "`", "parser");
        }
    }

    @Test
    void hostileBodiesAreRefusedCheaply() {
        String deep = "{\"input\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";
        Reply nested = gw.client.post("/v2/ep1/run", deep);
        assertThat(nested.status()).isEqualTo(400);
        assertThat(nested.field("error")).contains("nested deeper than 200 levels");

        // a huge string within the size limit is fine; beyond it, 413
        String big = "{\"input\":{\"s\":\"" + "x".repeat(60_000) + "\"}}";
        assertThat(gw.client.post("/v2/ep1/run", big).status()).isEqualTo(200);
        String tooBig = "{\"input\":{\"s\":\"" + "x".repeat(70_000) + "\"}}";
        Reply refused = gw.client.post("/v2/ep1/run", tooBig);
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.field("error")).isEqualTo("the /run body is larger than the limit of 65536 bytes");
        // runsync has its own, larger limit
        assertThat(gw.client.post("/v2/ep1/runsync?wait=1000", tooBig).status()).isEqualTo(200);

        Reply binary = gw.client.send(gw.client.request("/v2/ep1/run").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xff, 0, 1, 2, (byte) 0xfe})));
        assertThat(binary.status()).isEqualTo(400);
    }

    @Test
    void wrongContentTypesAreReadAsJsonOrRefusedAs400() {
        Reply asText = gw.client.send(gw.client.request("/v2/ep1/run").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"a\":1}}")));
        assertThat(asText.status()).isEqualTo(200);
        Reply form = gw.client.send(gw.client.request("/v2/ep1/run")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("input=1&webhook=2")));
        assertThat(form.status()).isEqualTo(400);
        assertThat(form.field("error")).contains("not valid JSON");
        Reply multipart = gw.client.send(gw.client.request("/v2/ep1/run")
                .header("Content-Type", "multipart/form-data; boundary=xx")
                .POST(HttpRequest.BodyPublishers.ofString("--xx\r\nContent-Disposition: form-data; name=\"input\"\r\n\r\n1\r\n--xx--")));
        assertThat(multipart.status()).isEqualTo(400);
    }

    @Test
    void anOversizedBodyIsRefusedFromItsContentLengthWithoutBeingRead() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gw.gateway.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // announce 50 MB, send none of it: the answer must come from the header alone
            out.write(("POST /v2/ep1/run HTTP/1.1\r\nHost: x\r\nAuthorization: " + TestGateway.CLIENT_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413");
        }
    }

    @Test
    void aClientStillSendingAnOversizedBodyReceivesIts413() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gw.gateway.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            int size = 16 << 20; // far over /run's 64 KB limit here, and more than the sockets' buffers hold
            out.write(("POST /v2/ep1/run HTTP/1.1\r\nHost: x\r\nAuthorization: " + TestGateway.CLIENT_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // a gateway that answered from the header and closed would reset the connection under this write,
            // and the client would never read the 413 that says what to change
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
            }
            out.flush();
            String head = readHead(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413");
        }
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405Json() {
        Reply reply = gw.client.get("/v2/ep1/nothing-here");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.field("error")).startsWith("not found");
        Reply wrongMethod = gw.client.get("/v2/ep1/run");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.field("error")).contains("use POST");
    }

    /**
     * A key written twice keeps its last value in most parsers, silently: the client meant one of two seeds, two
     * webhooks, and gets the one it did not look at. Refused, naming the key, the object and the line, on both
     * routes, and inside the workflow too (ComfyUI workflows are client JSON).
     */
    @Test
    void aKeyWrittenTwiceIsRefusedNamingItAndWhereItIs() {
        assertThat(runError("/run", "{\"input\": {}, \"input\": {\"x\": 1}}")).isEqualTo("the body is not valid JSON at"
                + " line 1: the key \"input\" appears twice at the top level; a key may appear once in an object: keep the"
                + " value you mean and remove the other");
        String workflow = "{\"input\": {\"workflow\": {\"3\": {\"class_type\": \"KSampler\",\n"
                + " \"inputs\": {\"seed\": 1,\n \"seed\": 2}}}}}";
        for (String route : List.of("/run", "/runsync")) {
            assertThat(runError(route, workflow)).as(route).startsWith("the body is not valid JSON at line 3: the key"
                    + " \"seed\" appears twice in the object at /input/workflow/3/inputs;");
        }
        assertThat(runError("/run", "{\"input\": {}, \"policy\": {\"ttl\": 60000, \"ttl\": 70000}}"))
                .contains("\"ttl\" appears twice in the object at /policy");
        assertThat(gw.client.post("/v2/ep1/run", "{\"input\": {\"a\": {\"x\": 1}, \"b\": {\"x\": 1}}}").status())
                .as("the same key in two objects is fine").isEqualTo(200);
    }

    /** Every route reads one value of a parameter: a repeat is named on client, worker and dashboard routes alike. */
    @Test
    void aQueryParameterGivenTwiceIsRefusedOnEveryRoute() throws Exception {
        String id = gw.run("{}");
        List<Reply> replies = List.of(
                gw.client.post("/v2/ep1/runsync?wait=1000&wait=90000", "{\"input\":{}}"),
                gw.client.get("/v2/ep1/status/" + id + "?wait=1&wait=2"),
                gw.client.get("/v2/ep1/health?x=1&x=1"),
                gw.worker.get("/v2/ep1/job-take-batch/w1?batch_size=1&batch_size=3"),
                gw.worker.get("/v2/ep1/ping/w1?job_id=a&job_id=b"),
                gw.client.get("/dashboard/api/jobs?limit=1&limit=2"));
        for (Reply reply : replies) {
            assertThat(reply.status()).as(reply.text()).isEqualTo(400);
            assertThat(reply.field("error")).matches("\\?\\w+ is given 2 times \\(.*\\); this route reads one value: give"
                    + " it once");
        }
        assertThat(gw.worker.get("/v2/ep1/ping/w1?job_id=a%2Cb").status()).as("a list, comma-separated").isEqualTo(200);
        assertThat(gw.status(id).json().path("status").asString()).as("nothing taken by the refused take")
                .isEqualTo("IN_QUEUE");
        // every query string is now read on every route: one that is not valid URL encoding is no server error
        try (Socket socket = new Socket("127.0.0.1", gw.gateway.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /v2/ep1/health?x=%zz HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + TestGateway.CLIENT_KEY + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readHead(socket.getInputStream())).doesNotStartWith("HTTP/1.1 5");
        }
    }

    private String runError(String route, String body) {
        Reply reply = gw.client.post("/v2/ep1" + route, body);
        assertThat(reply.status()).as(body).isEqualTo(400);
        return reply.field("error");
    }

    private void assertBad(String body, String expected) {
        Reply reply = gw.client.post("/v2/ep1/run", body);
        assertThat(reply.status()).as(body).isEqualTo(400);
        assertThat(reply.field("error")).as(body).contains(expected);
    }

    private static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            buffer.write(b);
            if (buffer.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return buffer.toString(StandardCharsets.US_ASCII);
    }
}
