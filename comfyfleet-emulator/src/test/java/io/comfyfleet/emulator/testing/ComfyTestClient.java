package io.comfyfleet.emulator.testing;

import io.comfyfleet.common.json.Json;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/** A small ComfyUI client for tests: JSON over HTTP, multipart uploads, and a frame-recording WebSocket. */
public final class ComfyTestClient {
    public record Answer(int status, String body, java.net.http.HttpHeaders headers, byte[] bytes) {
        public JsonNode json() {
            return Json.MAPPER.readTree(body);
        }
    }

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ComfyTestClient(URI base) {
        this.base = base;
    }

    public Answer get(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET().build());
    }

    public Answer post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public Answer post(String path, JsonNode body) throws Exception {
        return post(path, Json.MAPPER.writeValueAsString(body));
    }

    public Answer send(HttpRequest request) throws Exception {
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8), response.headers(),
                response.body());
    }

    /** POST /upload/image (or /upload/mask) as multipart with extra text fields. */
    public Answer upload(String path, String filename, byte[] data, String... fields) throws Exception {
        String boundary = "----comfyfleet" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n"
                    + fields[i + 1] + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + filename
                + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(data);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    public Socket connect(String clientId) throws Exception {
        Socket socket = new Socket();
        URI ws = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/ws?clientId=" + clientId);
        socket.ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(ws, socket).get();
        return socket;
    }

    /** Records every frame in arrival order. */
    public static final class Socket implements WebSocket.Listener, AutoCloseable {
        private final List<Frame> frames = new ArrayList<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private WebSocket ws;
        private volatile boolean closed;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                add(Frame.text(Json.MAPPER.readTree(text.toString())));
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (last) {
                add(Frame.binary(binary.toByteArray()));
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed = true;
            synchronized (this) {
                notifyAll();
            }
            return null;
        }

        private synchronized void add(Frame frame) {
            frames.add(frame);
            notifyAll();
        }

        public synchronized List<Frame> frames() {
            return List.copyOf(frames);
        }

        public boolean isClosed() {
            return closed;
        }

        public void sendText(String message) {
            ws.sendText(message, true).join();
        }

        /** Waits (bounded) for a frame matching the predicate, returning its index. */
        public synchronized int await(Predicate<Frame> wanted, Duration timeout) throws InterruptedException {
            return awaitAfter(-1, wanted, timeout);
        }

        /** Like {@link #await} but only frames after index {@code after} count. */
        public synchronized int awaitAfter(int after, Predicate<Frame> wanted, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            int seen = after + 1;
            while (true) {
                for (; seen < frames.size(); seen++) {
                    if (wanted.test(frames.get(seen))) {
                        return seen;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no matching frame within " + timeout + "; got " + frames.size()
                            + " frames: " + frames.stream().map(Frame::type).toList());
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }

        @Override
        public void close() {
            if (!closed) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(2, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    public static Predicate<Frame> executingNull(String promptId) {
        return f -> f.isText() && f.type().equals("executing") && f.data().path("node").isNull()
                && promptId.equals(f.data().path("prompt_id").asString());
    }

    public static Predicate<Frame> ofType(String type) {
        return f -> f.type().equals(type);
    }
}
