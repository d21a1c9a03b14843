package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.emulator.testing.ComfyTestClient;
import io.comfyfleet.emulator.testing.TestEmulator;
import io.comfyfleet.emulator.testing.Workflows;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Uploads, /view's checks, the origin check, plain-text 500s, and the output kinds beyond PNG. */
class RoutesAndFilesTest {
    @TempDir
    Path dir;

    @Test
    void uploadsKeepSameContentRenameOnClashAndOverwriteOnRequest() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            byte[] a = "first".getBytes(StandardCharsets.UTF_8);
            byte[] b = "second".getBytes(StandardCharsets.UTF_8);
            assertThat(comfy.client.upload("/upload/image", "x.png", a).json().get("name").asString()).isEqualTo("x.png");
            assertThat(comfy.client.upload("/upload/image", "x.png", a).json().get("name").asString()).isEqualTo("x.png");
            assertThat(comfy.client.upload("/api/upload/image", "x.png", b).json().get("name").asString()).isEqualTo("x (1).png");
            JsonNode overwritten = comfy.client.upload("/upload/image", "x.png", b, "overwrite", "1", "subfolder", "").json();
            assertThat(overwritten.toString()).isEqualTo("{\"name\":\"x.png\",\"subfolder\":\"\",\"type\":\"input\"}");
            assertThat(comfy.client.upload("/upload/image", "y.png", a, "type", "bogus").status()).isEqualTo(500);
            assertThat(comfy.client.upload("/upload/image", "y.png", a, "subfolder", "../../etc").status()).isEqualTo(400);
            ComfyTestClient.Answer view = comfy.client.get("/view?filename=x.png&type=input");
            assertThat(view.body()).isEqualTo("second");
            assertThat(view.headers().firstValue("content-disposition")).contains("filename=\"x.png\"");
            assertThat(view.headers().firstValue("content-type")).contains("image/png");
        }
    }

    @Test
    void viewReencodesPreviewsAndChannels() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            JsonNode image = comfy.run(Workflows.basic(0x102030)).get("outputs").get("3").get("images").get(0);
            String query = "/view?filename=" + image.get("filename").asString() + "&type=output";
            ComfyTestClient.Answer jpeg = comfy.client.get(query + "&preview=jpeg;80");
            assertThat(jpeg.headers().firstValue("content-type")).contains("image/jpeg");
            assertThat(java.util.Arrays.copyOf(jpeg.bytes(), 2)).containsExactly(0xFF, 0xD8);
            ComfyTestClient.Answer alpha = comfy.client.get(query + "&channel=a");
            java.awt.image.BufferedImage a = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(alpha.bytes()));
            assertThat(a.getRGB(0, 0) >>> 24).as("an opaque picture's alpha is 255").isEqualTo(0xFF);
            ComfyTestClient.Answer rgb = comfy.client.get(query + "&channel=rgb");
            assertThat(javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(rgb.bytes())).getRGB(0, 0) & 0xFFFFFF)
                    .as("inverted 0x102030").isEqualTo(0xEFDFCF);
        }
    }

    @Test
    void viewRefusesTraversalWithComfyUisStatuses() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            assertThat(comfy.client.get("/view?filename=../secret").status()).isEqualTo(400);
            assertThat(comfy.client.get("/view?filename=/etc/passwd").status()).isEqualTo(400);
            assertThat(comfy.client.get("/view?filename=a.png&type=elsewhere").status()).isEqualTo(400);
            assertThat(comfy.client.get("/view?filename=a.png&subfolder=../../").status()).isEqualTo(403);
            assertThat(comfy.client.get("/view?filename=missing.png").status()).isEqualTo(404);
            assertThat(comfy.client.get("/view").status()).isEqualTo(404);
        }
    }

    @Test
    void loopbackHostOriginMismatchIs403ForHttpAndWebSocket() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            int port = comfy.emulator.port();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> mismatch = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/queue"))
                    .header("Origin", "http://127.0.0.1:" + port).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(mismatch.statusCode()).isEqualTo(403);
            assertThat(mismatch.body()).isEmpty();
            HttpResponse<String> same = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/queue"))
                    .header("Origin", "http://localhost:" + port).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(same.statusCode()).isEqualTo(200);
            try {
                http.newWebSocketBuilder().header("Origin", "http://127.0.0.1:" + port)
                        .buildAsync(URI.create("ws://localhost:" + port + "/ws"), new java.net.http.WebSocket.Listener() { })
                        .join();
                throw new AssertionError("the handshake should have been refused");
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
                assertThat(((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(403);
            }
        }
    }

    @Test
    void badJsonIsAPlainText500ButInterruptTakesItAsGlobal() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            ComfyTestClient.Answer bad = comfy.client.post("/prompt", "{not json");
            assertThat(bad.status()).isEqualTo(500);
            assertThat(bad.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
            assertThat(comfy.client.post("/api/queue", "[").status()).isEqualTo(500);
            assertThat(comfy.client.post("/interrupt", "{not json").status()).isEqualTo(200);
            assertThat(comfy.client.post("/prompt", "{}").json().get("error").get("type").asString()).isEqualTo("no_prompt");
            assertThat(comfy.client.post("/prompt", "[1]").json().get("error").get("type").asString()).isEqualTo("no_prompt");
            assertThat(comfy.client.post("/prompt", "5").status()).isEqualTo(500);
        }
    }

    @Test
    void animatedPngAndTextOutputs() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            var prompt = (tools.jackson.databind.node.ObjectNode) io.comfyfleet.common.json.Json.MAPPER.readTree("""
                    {"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":3,"color":255}},
                     "2":{"class_type":"SaveAnimatedPNG","inputs":{"images":["1",0],"filename_prefix":"anim/a","fps":6.0,"compress_level":4}},
                     "3":{"class_type":"PreviewAny","inputs":{"source":"hello"}}}""");
            JsonNode outputs = comfy.run(prompt).get("outputs");
            assertThat(outputs.get("2").get("animated").toString()).isEqualTo("[true]");
            JsonNode file = outputs.get("2").get("images").get(0);
            assertThat(file.get("subfolder").asString()).isEqualTo("anim");
            byte[] apng = comfy.client.get("/view?filename=" + file.get("filename").asString() + "&subfolder=anim").bytes();
            assertThat(new String(apng, StandardCharsets.ISO_8859_1)).contains("acTL", "fcTL", "fdAT");
            assertThat(outputs.get("3").toString()).isEqualTo("{\"text\":[\"hello\"]}");
        }
    }

    @Test
    void audioOutputsAreFlacFiles() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir)) {
            var prompt = (tools.jackson.databind.node.ObjectNode) io.comfyfleet.common.json.Json.MAPPER.readTree("""
                    {"1":{"class_type":"EmptyAudio","inputs":{"duration":1.5,"sample_rate":22050,"channels":1}},
                     "2":{"class_type":"SaveAudio","inputs":{"audio":["1",0],"filename_prefix":"audio/ComfyUI"}}}""");
            JsonNode file = comfy.run(prompt).get("outputs").get("2").get("audio").get(0);
            assertThat(file.toString()).isEqualTo("{\"filename\":\"ComfyUI_00001_.flac\",\"subfolder\":\"audio\",\"type\":\"output\"}");
            ComfyTestClient.Answer flac = comfy.client.get("/view?filename=ComfyUI_00001_.flac&subfolder=audio");
            assertThat(flac.headers().firstValue("content-type")).contains("audio/flac");
            byte[] bytes = flac.bytes();
            assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("fLaC");
            long totalSamples = ((bytes[21] & 0x0FL) << 32) | ((bytes[22] & 0xFFL) << 24) | ((bytes[23] & 0xFFL) << 16)
                    | ((bytes[24] & 0xFFL) << 8) | (bytes[25] & 0xFFL);
            assertThat(totalSamples).isEqualTo(33_075);
            Files.write(dir.resolve("last.flac"), bytes);
        }
    }

    @Test
    void metadataClientsGetType4PreviewsOthersType1() throws Exception {
        try (TestEmulator comfy = TestEmulator.start(dir, b -> b.previews(true))) {
            var modern = comfy.client.connect("modern");
            modern.await(ComfyTestClient.ofType("status"), TestEmulator.WAIT);
            modern.sendText("{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}");
            modern.await(ComfyTestClient.ofType("feature_flags"), TestEmulator.WAIT);
            String id = comfy.client.post("/prompt", Workflows.request(Workflows.slow(2, 0), "modern")).json()
                    .get("prompt_id").asString();
            modern.await(ComfyTestClient.executingNull(id), TestEmulator.WAIT);
            assertThat(modern.frames()).filteredOn(f -> !f.isText()).hasSize(2)
                    .allSatisfy(f -> assertThat(f.binary()[3]).isEqualTo((byte) 4));
            String legacy = comfy.submit(Workflows.slow(2, 1));
            comfy.socket.await(ComfyTestClient.executingNull(legacy), TestEmulator.WAIT);
            assertThat(comfy.socket.frames()).filteredOn(f -> !f.isText()).hasSize(2)
                    .allSatisfy(f -> assertThat(java.util.Arrays.copyOf(f.binary(), 8)).containsExactly(0, 0, 0, 1, 0, 0, 0, 1));
            modern.close();
        }
    }
}
