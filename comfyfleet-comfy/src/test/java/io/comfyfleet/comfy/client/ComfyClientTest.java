package io.comfyfleet.comfy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.testing.Captures;
import io.comfyfleet.comfy.client.testing.ReplayServer;
import io.comfyfleet.testkit.FreePorts;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The HTTP routes of the client against the replay server (which refuses any request with an Origin header). */
@Timeout(30)
class ComfyClientTest {
    private ReplayServer server;
    private ComfyClient client;

    @BeforeEach
    void start() {
        server = ReplayServer.replay("cpu-0.3.64", "ok_load_upload").start();
        client = ComfyClient.builder(server.baseUri()).requestTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        assertThat(server.originSeen()).as("no request may carry an Origin header").isFalse();
        server.close();
    }

    @Test
    void queuePromptSendsOurIdsAndExtraDataAndReadsTheAnswer() {
        ObjectNode prompt = (ObjectNode) Captures.prompt(Captures.load("cpu-0.3.64", "ok_load_upload"));
        ObjectNode extra = Json.MAPPER.createObjectNode();
        extra.putObject("extra_pnginfo").put("workflow", "w");

        QueuedPrompt queued = client.queuePrompt(prompt, "p-1", "c-1", extra);

        assertThat(queued.promptId()).isEqualTo("p-1");
        assertThat(queued.droppedOutputs()).isFalse();
        JsonNode sent = server.promptBody();
        assertThat(sent.get("prompt_id").asString()).isEqualTo("p-1");
        assertThat(sent.get("client_id").asString()).isEqualTo("c-1");
        assertThat(sent.at("/extra_data/extra_pnginfo/workflow").asString()).isEqualTo("w");
        assertThat(sent.get("prompt")).isEqualTo(prompt);
    }

    @Test
    void historyIsEmptyUntilThePromptEnded() {
        assertThat(client.history("unknown-id")).isEmpty();
    }

    @Test
    void viewStreamsWithTypeAndLengthAndDownloadWritesTheFile(@TempDir Path dir) throws Exception {
        FileRef ref = new FileRef("cap_load_00003_.png", "", "output");
        try (ViewStream view = client.view(ref)) {
            assertThat(view.contentType()).isEqualTo("image/png");
            assertThat(view.contentLength()).hasValue(771);
            byte[] bytes = view.body().readAllBytes();
            assertThat(bytes).hasSize(771);
            assertThat(bytes[5]).isEqualTo((byte) 5);
        }
        Path target = dir.resolve("out.png");
        assertThat(client.download(new FileRef("ComfyUI_temp_xxbcy_00001_.png", "", "temp"), target)).isEqualTo(871);
        assertThat(Files.size(target)).isEqualTo(871);
    }

    @Test
    void viewOfAMissingFileIsAnHttpErrorNamingTheFile() {
        assertThatThrownBy(() -> client.view(FileRef.output("nope.png")))
                .isInstanceOfSatisfying(ComfyHttpException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.route()).isEqualTo("GET /view");
                    assertThat(e.getMessage()).contains("nope.png");
                });
    }

    @Test
    void uploadsAreMultipartWithTheFormFieldsComfyReads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("red.png");
        Files.write(file, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});

        UploadResult fromFile = client.uploadImage(file, new UploadOptions("input", "jobs/42", true));
        UploadResult fromStream = client.uploadImage("mask source.png",
                () -> new ByteArrayInputStream(new byte[1000]), UploadOptions.input());
        UploadResult mask = client.uploadMask("mask.png", () -> InputStream.nullInputStream(),
                new UploadOptions("input", "", false), new FileRef("red.png", "jobs/42", "input"));

        assertThat(fromFile.loadImageValue()).isEqualTo("jobs/42/red.png");
        assertThat(fromStream.loadImageValue()).isEqualTo("mask source.png");
        assertThat(mask.name()).isEqualTo("mask.png");
        List<java.util.Map<String, String>> seen = server.uploads();
        assertThat(seen.get(0)).containsEntry("path", "/upload/image").containsEntry("filename", "red.png")
                .containsEntry("size", "7").containsEntry("subfolder", "jobs/42").containsEntry("overwrite", "true")
                .containsEntry("type", "input");
        assertThat(seen.get(1)).containsEntry("size", "1000").containsEntry("overwrite", "false");
        assertThat(seen.get(2)).containsEntry("path", "/upload/mask");
        assertThat(Json.MAPPER.readTree(seen.get(2).get("original_ref")))
                .isEqualTo(Json.MAPPER.readTree("{\"filename\":\"red.png\",\"subfolder\":\"jobs/42\",\"type\":\"input\"}"));
    }

    @Test
    void uploadArgumentsAreCheckedBeforeSending() {
        assertThatThrownBy(() -> new UploadOptions("models", "", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input, temp or output");
        assertThatThrownBy(() -> client.uploadImage("../x.png", InputStream::nullInputStream, UploadOptions.input()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subfolder");
        assertThatThrownBy(() -> client.uploadImage(Path.of("/no/such/file.png"), UploadOptions.input()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a readable file");
    }

    @Test
    void controlRoutesSendTheDocumentedBodies() {
        client.interrupt("p-9");
        client.interruptRunning();
        client.deleteFromQueue(List.of("a", "b"));
        client.clearQueue();
        client.free(true, false);

        assertThat(server.interruptBodies()).containsExactly(
                Json.MAPPER.readTree("{\"prompt_id\":\"p-9\"}"), Json.MAPPER.readTree("{}"));
        assertThat(server.queueBodies()).containsExactly(
                Json.MAPPER.readTree("{\"delete\":[\"a\",\"b\"]}"), Json.MAPPER.readTree("{\"clear\":true}"));
        assertThat(server.freeBodies()).containsExactly(
                Json.MAPPER.readTree("{\"unload_models\":true,\"free_memory\":false}"));
    }

    @Test
    void introspectionRoutesReturnTheServersAnswers() {
        assertThat(client.objectInfo().has("KSampler")).isTrue();
        assertThat(client.systemStats().at("/system/comfyui_version").asString()).isEqualTo("0.3.64");
        assertThat(client.features().get("supports_preview_metadata").asBoolean()).isTrue();
        assertThat(client.queueRemaining()).isZero();
        QueueSnapshot queue = client.queue();
        assertThat(queue.running()).isEmpty();
        assertThat(queue.pending()).isEmpty();
    }

    @Test
    void nothingListeningIsATypedUnavailableError() throws Exception {
        // below the ephemeral range no port-0 bind takes it meanwhile, nor can the connection be to itself
        int port = FreePorts.one();
        ComfyClient down = ComfyClient.builder(URI.create("http://127.0.0.1:" + port))
                .connectTimeout(Duration.ofSeconds(2)).build();

        assertThatThrownBy(down::systemStats).isInstanceOfSatisfying(ComfyUnavailableException.class,
                e -> assertThat(e.uri().getPort()).isEqualTo(port)).hasMessageContaining("connection refused");
        assertThatThrownBy(() -> down.openEventStream("c", event -> { }))
                .isInstanceOf(ComfyUnavailableException.class);
    }

    @Test
    void baseUriMustBeHttp() {
        assertThatThrownBy(() -> ComfyClient.create(URI.create("ftp://host/")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://127.0.0.1:8188");
        assertThatThrownBy(() -> ComfyClient.builder(URI.create("http://h")).requestTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestTimeout");
    }

    @Test
    void webSocketUriKeepsABasePathAndEncodesTheClientId() {
        ComfyClient proxied = ComfyClient.create(URI.create("https://gpu-1.example/comfy"));
        assertThat(proxied.webSocketUri("a b")).isEqualTo(URI.create("wss://gpu-1.example/comfy/ws?clientId=a+b"));
    }

    /** A ComfyUI answer past the client's cap is a protocol error naming the route, the cap and how to raise it. */
    @Test
    void anAnswerPastTheCapIsAProtocolErrorNamingTheCap() throws Exception {
        com.sun.net.httpserver.HttpServer huge = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        huge.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] body = ("{\"Node\": \"" + "x".repeat(4096) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        huge.start();
        try {
            ComfyClient capped = ComfyClient.builder(URI.create("http://127.0.0.1:" + huge.getAddress().getPort()))
                    .maxAnswerBytes(1024).build();

            assertThatThrownBy(capped::objectInfo).isInstanceOf(ComfyProtocolException.class)
                    .hasMessageContaining("GET /object_info answered with more than 1024 bytes")
                    .hasMessageContaining("ComfyClient.Builder.maxAnswerBytes");
            // an upload's answer is read through another client (java.net.http), under the same cap
            assertThatThrownBy(() -> capped.uploadImage("a.png", () -> new ByteArrayInputStream(new byte[1]), null))
                    .isInstanceOf(ComfyProtocolException.class)
                    .hasMessageContaining("POST /upload/image answered with more than 1024 bytes");
        } finally {
            huge.stop(0);
        }
    }
}
