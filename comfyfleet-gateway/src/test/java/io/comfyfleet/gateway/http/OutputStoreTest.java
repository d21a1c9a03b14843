package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway output store: workers upload large outputs of running jobs, clients download them. */
class OutputStoreTest {
    @TempDir
    Path dir;
    TestGateway gw;

    @BeforeEach
    void start() {
        gw = new TestGateway(dir, "  maxOutputFile: 1KB");
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void aWorkerUploadsAndAClientDownloadsUntilRetentionDeletesIt() {
        String id = gw.run("{}");
        gw.take("w1");
        Reply put = put(id, "image%201.png", "PNGDATA");
        assertThat(put.status()).isEqualTo(200);
        String url = put.field("url");
        assertThat(url).isEqualTo(gw.client.base() + "/v2/ep1/outputs/" + id + "/image_1.png");
        Path file = dir.resolve("data/outputs/ep1/" + id + "/image_1.png");
        assertThat(file).hasContent("PNGDATA");

        Reply get = gw.client.get("/v2/ep1/outputs/" + id + "/image_1.png");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.text()).isEqualTo("PNGDATA");
        assertThat(get.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(gw.worker.get("/v2/ep1/outputs/" + id + "/image_1.png").status()).isEqualTo(401);
        assertThat(gw.client.get("/v2/ep1/outputs/" + id + "/other.png").status()).isEqualTo(404);

        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"url\":\"" + url + "\"}}");
        assertThat(put(id, "late.png", "x").status()).isEqualTo(409);
        gw.clock.advance(Duration.ofMinutes(31));
        gw.gateway.housekeeping().sweepOnce();
        assertThat(Files.exists(file.getParent())).isFalse();
        assertThat(gw.client.get("/v2/ep1/outputs/" + id + "/image_1.png").status()).isEqualTo(404);
    }

    @Test
    void uploadsNeedARunningJobASafeNameAndRespectTheSizeCap() {
        String id = gw.run("{}");
        assertThat(put(id, "a.png", "x").status()).as("still queued").isEqualTo(409);
        gw.take("w1");
        assertThat(gw.client.send(gw.client.request("/v2/ep1/outputs/" + id + "/a.png")
                .PUT(HttpRequest.BodyPublishers.ofString("x"))).status()).as("client key").isEqualTo(401);
        assertThat(put(id, "..", "x").status()).isEqualTo(400);
        assertThat(put(id, "..%2F..%2Fescape.txt", "x").status()).isIn(200, 400, 404);
        assertThat(dir.resolve("data/escape.txt")).doesNotExist();
        assertThat(put(id, "big.bin", "x".repeat(2000)).status()).isEqualTo(413);
        assertThat(dir.resolve("data/outputs/ep1/" + id + "/big.bin")).doesNotExist();
        assertThat(put("nope-u1", "a.png", "x").status()).isEqualTo(404);
    }

    @Test
    void aChunkedUploadOverTheCapReceivesThe413OfADeclaredOne() throws Exception {
        String id = gw.run("{}");
        gw.take("w1");
        try (Socket socket = new Socket("127.0.0.1", gw.gateway.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // no Content-Length: the gateway finds the file too large only while it arrives
            out.write(("PUT /v2/ep1/outputs/" + id + "/big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + TestGateway.WORKER_KEY + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // more than the sockets' buffers hold: a gateway that answered and closed would reset this write
            byte[] chunk = new byte[64 * 1024];
            byte[] chunkSize = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int sent = 0; sent < 16 << 20; sent += chunk.length) {
                out.write(chunkSize);
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = readAnswer(socket.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 413")
                    .endsWith("{\"error\":\"the uploaded file is larger than the limit of 1024 bytes\"}");
        }
        assertThat(dir.resolve("data/outputs/ep1/" + id + "/big.bin")).doesNotExist();
    }

    /** An HTTP/1.1 answer's head and its Content-Length body, read without waiting for the connection to close. */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n") && (b = in.read()) >= 0) {
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = text.lines().filter(line -> line.regionMatches(true, 0, "Content-Length:", 0, 15))
                .mapToInt(line -> Integer.parseInt(line.substring(15).strip())).findFirst().orElse(0);
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private Reply put(String id, String name, String content) {
        return gw.worker.send(gw.worker.request("/v2/ep1/outputs/" + id + "/" + name)
                .PUT(HttpRequest.BodyPublishers.ofString(content)));
    }
}
