package io.comfyfleet.comfy.client;

import io.comfyfleet.comfy.ComfyException;
import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.events.ComfyEventListener;
import io.comfyfleet.common.http.AnswerTooLargeException;
import io.comfyfleet.common.http.BlockingHttp;
import io.comfyfleet.common.http.BlockingHttp.Answer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Typed access to one ComfyUI server (0.3.x) over its own HTTP API, with the JDK only: JSON calls are blocking
 * requests on the calling thread ({@link BlockingHttp}), uploads, downloads and the WebSocket use
 * {@code java.net.http}. Thread-safe; build one per ComfyUI process and share it.
 *
 * <p>Failures are unchecked and typed: {@link ComfyUnavailableException} when nothing answers (use it to
 * wait for readiness), {@link ComfyTimeoutException} when an answer takes longer than the request timeout,
 * {@link PromptRejectedException} when POST /prompt is refused, {@link ComfyHttpException} for any other
 * unexpected status, {@link ComfyProtocolException} when a body is not the documented JSON shape.
 *
 * <p>No {@code Origin} header is ever sent: ComfyUI answers 403 when Origin and Host differ on loopback.
 */
public final class ComfyClient {
    /** See {@link Builder#maxAnswerBytes}. */
    public static final long DEFAULT_MAX_ANSWER_BYTES = 256L << 20;

    private final URI baseUri;
    private final HttpClient http;
    private final BlockingHttp blocking;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration quickCallTimeout;
    private final long maxAnswerBytes;

    private ComfyClient(Builder b) {
        this.baseUri = withTrailingSlash(b.baseUri);
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.quickCallTimeout = b.quickCallTimeout != null ? b.quickCallTimeout : b.requestTimeout;
        this.maxAnswerBytes = b.maxAnswerBytes;
        this.blocking = new BlockingHttp(connectTimeout, b.maxAnswerBytes);
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                // aiohttp speaks HTTP/1.1 only; skipping the h2c upgrade attempt avoids a wasted round trip
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                // responses and WebSocket frames are handled on the client's selector thread instead of being
                // handed to a pool thread first: one thread wake-up less per answer and per frame. Safe because
                // nothing run there blocks: bodies are read by the thread that called send(), and the socket's
                // listener only parses a frame and queues the event for its run's own thread
                .executor(Runnable::run)
                .build();
    }

    /** Starts a client for the ComfyUI at {@code baseUri} (e.g. {@code http://127.0.0.1:8188}). */
    public static Builder builder(URI baseUri) {
        return new Builder(baseUri);
    }

    /** A client with default timeouts (connect 5 s, request 30 s). */
    public static ComfyClient create(URI baseUri) {
        return builder(baseUri).build();
    }

    /** Settings of a {@link ComfyClient}; validated by {@link #build()}. */
    public static final class Builder {
        private final URI baseUri;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration quickCallTimeout;
        private long maxAnswerBytes = DEFAULT_MAX_ANSWER_BYTES;

        private Builder(URI baseUri) {
            this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
        }

        /** How long to wait for a TCP connection (also used for the WebSocket handshake). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long to wait for the answer of one request (not for a prompt to finish). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * How long to wait for the answer of a call ComfyUI answers from memory: POST /prompt (after validating the
         * prompt), GET /prompt, /queue and /history, POST /queue, /interrupt and /free. Shorter than the request
         * timeout (which also bounds /object_info, uploads and the start of downloads), so that a ComfyUI that stopped
         * answering is noticed sooner. Default: the request timeout.
         */
        public Builder quickCallTimeout(Duration timeout) {
            this.quickCallTimeout = positive(timeout, "quickCallTimeout");
            return this;
        }

        /**
         * The most bytes of one JSON answer read (default 256 MB). Answers are held whole; the largest ComfyUI gives
         * is {@code /object_info}, some MB with many custom nodes and models. Past the cap a call fails with a
         * {@link ComfyProtocolException} naming it, rather than a broken ComfyUI filling the worker's memory.
         */
        public Builder maxAnswerBytes(long bytes) {
            if (bytes <= 0 || bytes >= Integer.MAX_VALUE) {
                throw new IllegalArgumentException("maxAnswerBytes must be from 1 to " + (Integer.MAX_VALUE - 1)
                        + ", got " + bytes);
            }
            this.maxAnswerBytes = bytes;
            return this;
        }

        /** @throws IllegalArgumentException if the base URI is not an absolute http(s) URI */
        public ComfyClient build() {
            String scheme = baseUri.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || baseUri.getHost() == null) {
                throw new IllegalArgumentException(
                        "ComfyUI base URI must be absolute http(s), like http://127.0.0.1:8188, not '" + baseUri + "'");
            }
            return new ComfyClient(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, not " + d);
            }
            return d;
        }
    }

    public URI baseUri() {
        return baseUri;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    HttpClient httpClient() {
        return http;
    }

    // ---------------------------------------------------------------- prompts

    /**
     * Queues an API-format prompt (POST /prompt) under the caller's {@code promptId}, with events routed to
     * the WebSocket of {@code clientId}.
     *
     * @param prompt    the API-format graph {@code {node_id: {class_type, inputs}}}
     * @param promptId  the id to queue it under (ComfyUI 0.3.45+ honours it); not null
     * @param clientId  the WebSocket client id that receives this prompt's events, or null for none
     * @param extraData extra_data ({@code extra_pnginfo}, ...) or null; {@code client_id} is set by ComfyUI
     * @throws PromptFormatException    if {@code prompt} is null
     * @throws PromptRejectedException  on HTTP 400 (validation) or 500 (unreadable body)
     */
    public QueuedPrompt queuePrompt(ObjectNode prompt, String promptId, String clientId, ObjectNode extraData) {
        if (prompt == null) {
            throw new PromptFormatException("prompt is null; pass the API-format workflow as a JSON object");
        }
        Objects.requireNonNull(promptId, "promptId");
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("prompt", prompt);
        body.put("prompt_id", promptId);
        if (clientId != null) {
            body.put("client_id", clientId);
        }
        if (extraData != null) {
            body.set("extra_data", extraData);
        }
        Answer response = postJson("POST /prompt", "prompt", body, quickCallTimeout);
        int status = response.status();
        if (status == 200) {
            JsonNode json = parseJson("POST /prompt", response.body());
            if (!json.path("prompt_id").isString()) {
                throw new ComfyProtocolException("POST /prompt answered 200 without prompt_id: "
                        + ComfyHttpException.excerpt(response.body()));
            }
            return new QueuedPrompt(json.get("prompt_id").asString(), json.path("number").asDouble(0),
                    json.path("node_errors"));
        }
        if (status == 400 || status >= 500) {
            throw new PromptRejectedException(promptId, status, response.body(), tryParseJson(response.body()));
        }
        throw new ComfyHttpException("POST /prompt", status, response.body());
    }

    /** GET /prompt: how many prompts are pending or running. */
    public int queueRemaining() {
        JsonNode json = getJson("prompt", quickCallTimeout);
        JsonNode n = json.path("exec_info").path("queue_remaining");
        if (!n.isNumber()) {
            throw new ComfyProtocolException("GET /prompt has no exec_info.queue_remaining: " + json);
        }
        return n.asInt();
    }

    /**
     * GET /history/{promptId}: the entry once the prompt has ended, or empty while it is pending, running, or
     * unknown to this server (ComfyUI answers {@code {}} for all three).
     */
    public Optional<HistoryEntry> history(String promptId) {
        Objects.requireNonNull(promptId, "promptId");
        JsonNode json = getJson("history/" + encodePath(promptId), quickCallTimeout);
        if (!json.isObject()) {
            throw new ComfyProtocolException("GET /history/" + promptId + " is not a JSON object: " + json);
        }
        JsonNode entry = json.get(promptId);
        return entry == null ? Optional.empty() : Optional.of(HistoryEntry.parse(promptId, entry));
    }

    /** GET /queue: running and pending prompt ids. */
    public QueueSnapshot queue() {
        JsonNode json = getJson("queue", quickCallTimeout);
        return new QueueSnapshot(queueItems(json.path("queue_running")), queueItems(json.path("queue_pending")));
    }

    private static List<QueueSnapshot.Item> queueItems(JsonNode array) {
        List<QueueSnapshot.Item> items = new ArrayList<>();
        for (JsonNode item : array) {
            // [number, prompt_id, prompt, extra_data, outputs_to_execute(, sensitive)]
            if (item.isArray() && item.size() >= 2) {
                items.add(new QueueSnapshot.Item(item.get(0).asDouble(0), item.get(1).asString(),
                        item.path(3).path("client_id").asString(null)));
            }
        }
        return items;
    }

    /** POST /queue {"delete": ids}: removes these prompts if still pending (a running one is not affected). */
    public void deleteFromQueue(Collection<String> promptIds) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putArray("delete").addAll(promptIds.stream().map(Json.MAPPER.getNodeFactory()::stringNode).toList());
        expectOk("POST /queue", postJson("POST /queue", "queue", body, quickCallTimeout));
    }

    /** POST /queue {"clear": true}: removes every pending prompt. */
    public void clearQueue() {
        ObjectNode body = Json.MAPPER.createObjectNode().put("clear", true);
        expectOk("POST /queue", postJson("POST /queue", "queue", body, quickCallTimeout));
    }

    /**
     * POST /interrupt {"prompt_id"}: interrupts that prompt if it is the one running; a no-op otherwise
     * (ComfyUI 0.3.57+; older servers interrupt whatever runs). Use {@link #deleteFromQueue} for pending ones.
     */
    public void interrupt(String promptId) {
        Objects.requireNonNull(promptId, "promptId; use interruptRunning() to interrupt whatever runs");
        expectOk("POST /interrupt", postJson("POST /interrupt", "interrupt",
                Json.MAPPER.createObjectNode().put("prompt_id", promptId), quickCallTimeout));
    }

    /** POST /interrupt {}: interrupts whatever prompt is running now. */
    public void interruptRunning() {
        expectOk("POST /interrupt", postJson("POST /interrupt", "interrupt", Json.MAPPER.createObjectNode(), quickCallTimeout));
    }

    /**
     * POST /free: {@code unloadModels} evicts weights from VRAM; {@code freeMemory} also drops every cached
     * node output. ComfyUI applies it after the running prompt, or at once when idle.
     */
    public void free(boolean unloadModels, boolean freeMemory) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("unload_models", unloadModels).put("free_memory", freeMemory);
        expectOk("POST /free", postJson("POST /free", "free", body, quickCallTimeout));
    }

    // ---------------------------------------------------------------- introspection

    /** GET /object_info: every node class ComfyUI knows, as sent ({@code {class: info}}). Large (MBs). */
    public JsonNode objectInfo() {
        return getJson("object_info", requestTimeout);
    }

    /** GET /system_stats: {@code {system:{...}, devices:[...]}}. Answers only once ComfyUI is fully started. */
    public JsonNode systemStats() {
        return getJson("system_stats", requestTimeout);
    }

    /** GET /features: server feature flags ({@code supports_preview_metadata}, {@code max_upload_size}). */
    public JsonNode features() {
        return getJson("features", requestTimeout);
    }

    // ---------------------------------------------------------------- files

    /**
     * GET /view, streamed: the caller reads and closes {@link ViewStream#body()}; nothing is buffered whole. A read of
     * the body that gets nothing for the request timeout fails with {@link HttpTimeoutException}.
     *
     * @throws ComfyHttpException 404 when the file does not exist, 400/403 for rejected names or subfolders
     */
    public ViewStream view(FileRef file) {
        String query = "filename=" + encodeQuery(file.filename()) + "&subfolder=" + encodeQuery(file.subfolder())
                + "&type=" + encodeQuery(file.type());
        HttpRequest request = request("view?" + query).GET().build();
        HttpResponse<InputStream> response = sendStreaming("GET /view", request);
        if (response.statusCode() != 200) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(ComfyHttpException.EXCERPT_CHARS), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "(unreadable: " + e + ")";
            }
            throw new ComfyHttpException("GET /view", response.statusCode(),
                    body + " [filename=" + file.filename() + ", subfolder=" + file.subfolder() + ", type=" + file.type() + "]");
        }
        String contentType = response.headers().firstValue("Content-Type").orElse("application/octet-stream");
        OptionalLong length = response.headers().firstValueAsLong("Content-Length");
        return new ViewStream(file, contentType, length, new IdleBoundedStream(response.body(), requestTimeout,
                "GET /view of " + file.filename()));
    }

    /**
     * Streams GET /view into {@code target} (replacing it) and returns the number of bytes written.
     *
     * @throws UncheckedIOException if writing the file fails
     */
    public long download(FileRef file, Path target) {
        try (ViewStream view = view(file)) {
            return Files.copy(view.body(), target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file.filename() + " from ComfyUI to " + target, e);
        }
    }

    /** POST /upload/image with the file at {@code file}, streamed from disk, under its own file name. */
    public UploadResult uploadImage(Path file, UploadOptions options) {
        return upload("upload/image", file.getFileName().toString(), filePublisher(file), options, null);
    }

    /**
     * POST /upload/image with content opened from {@code content} (called once, streamed, closed after).
     *
     * @param filename the name to store it under in ComfyUI (no directories; use {@code options.subfolder})
     */
    public UploadResult uploadImage(String filename, Supplier<InputStream> content, UploadOptions options) {
        Objects.requireNonNull(content, "content");
        return upload("upload/image", filename, HttpRequest.BodyPublishers.ofInputStream(content), options, null);
    }

    /**
     * POST /upload/mask: ComfyUI copies the alpha channel of the upload onto {@code originalRef} (an image it
     * already has) and saves the result as PNG under {@code filename}.
     */
    public UploadResult uploadMask(String filename, Supplier<InputStream> content, UploadOptions options,
                                   FileRef originalRef) {
        Objects.requireNonNull(originalRef, "originalRef: the image the mask applies to");
        Objects.requireNonNull(content, "content");
        return upload("upload/mask", filename, HttpRequest.BodyPublishers.ofInputStream(content), options, originalRef);
    }

    private UploadResult upload(String path, String filename, HttpRequest.BodyPublisher content,
                                UploadOptions options, FileRef originalRef) {
        UploadOptions opts = options == null ? UploadOptions.input() : options;
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("type", opts.type());
        fields.put("subfolder", opts.subfolder());
        fields.put("overwrite", opts.overwrite() ? "true" : "false");
        if (originalRef != null) {
            ObjectNode ref = Json.MAPPER.createObjectNode().put("filename", originalRef.filename())
                    .put("subfolder", originalRef.subfolder()).put("type", originalRef.type());
            fields.put("original_ref", ref.toString());
        }
        MultipartBody multipart = MultipartBody.of(fields, "image", filename, content);
        HttpRequest request = request(path)
                .header("Content-Type", multipart.contentType())
                .POST(multipart.publisher())
                .build();
        String route = "POST /" + path;
        Answer response = send(route, request);
        if (response.status() != 200) {
            throw new ComfyHttpException(route, response.status(), response.body());
        }
        JsonNode json = parseJson(route, response.body());
        if (!json.path("name").isString()) {
            throw new ComfyProtocolException(route + " answered without a name: " + json);
        }
        return new UploadResult(json.get("name").asString(), json.path("subfolder").asString(""),
                json.path("type").asString("input"));
    }

    private static HttpRequest.BodyPublisher filePublisher(Path file) {
        try {
            // streamed from disk with a known length, so the request carries Content-Length
            return HttpRequest.BodyPublishers.ofFile(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("upload source " + file + " is not a readable file", e);
        }
    }

    // ---------------------------------------------------------------- WebSocket

    /** The WebSocket URI for {@code clientId}: {@code ws(s)://host:port/<base path>ws?clientId=<id>}. */
    public URI webSocketUri(String clientId) {
        String scheme = "https".equalsIgnoreCase(baseUri.getScheme()) ? "wss" : "ws";
        String base = baseUri.toString().substring(baseUri.getScheme().length());
        return URI.create(scheme + base + "ws?clientId=" + encodeQuery(clientId));
    }

    /**
     * Opens the event WebSocket for {@code clientId} and waits until it is connected. Keep one stream per
     * client id (see {@link ComfyEventStream}).
     *
     * @throws ComfyUnavailableException if the handshake fails or times out
     */
    public ComfyEventStream openEventStream(String clientId, ComfyEventListener listener) {
        ComfyEventStream stream = new ComfyEventStream(this, clientId, listener);
        stream.connect();
        return stream;
    }

    // ---------------------------------------------------------------- calls in flight

    /**
     * Ends the JSON call (POST /prompt, GET /history, ... everything but uploads, downloads and the WebSocket) that
     * {@code caller} is blocked in, which then throws {@link ComfyUnavailableException} ("... interrupted"), and
     * interrupts {@code caller}; a JSON call it starts before clearing its interrupt fails the same way at once. For a
     * caller that must not wait out the call's timeout, e.g. a job cancelled while ComfyUI does not answer its
     * submit. Returns at once.
     */
    public void abort(Thread caller) {
        blocking.abort(caller);
    }

    // ---------------------------------------------------------------- plumbing

    private JsonNode getJson(String path, Duration timeout) {
        String route = "GET /" + path.replaceAll("\\?.*", "");
        Answer response = exchange(route, path, null, timeout);
        if (response.status() != 200) {
            throw new ComfyHttpException(route, response.status(), response.body());
        }
        return parseJson(route, response.body());
    }

    private Answer postJson(String route, String path, JsonNode body, Duration timeout) {
        return exchange(route, path, Json.MAPPER.writeValueAsBytes(body), timeout);
    }

    private static void expectOk(String route, Answer response) {
        if (response.status() != 200) {
            throw new ComfyHttpException(route, response.status(), response.body());
        }
    }

    /** A JSON call as a blocking request on this thread (see {@link BlockingHttp}: no selector hand-over). */
    private Answer exchange(String route, String path, byte[] json, Duration timeout) {
        try {
            return blocking.exchange(baseUri.resolve(path), Map.of(), json, timeout);
        } catch (InterruptedIOException e) {
            throw new ComfyUnavailableException(baseUri, route + " interrupted", e);
        } catch (HttpTimeoutException e) {
            throw e instanceof HttpConnectTimeoutException ? failure(route, e) : new ComfyTimeoutException(route, timeout, e);
        } catch (IOException e) {
            throw failure(route, e);
        }
    }

    private HttpRequest.Builder request(String relative) {
        return HttpRequest.newBuilder(baseUri.resolve(relative)).timeout(requestTimeout);
    }

    /** The answer as text, read up to {@link Builder#maxAnswerBytes} like every other JSON answer. */
    private Answer send(String route, HttpRequest request) {
        HttpResponse<InputStream> response = exchange(route, request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            byte[] bytes = in.readNBytes((int) maxAnswerBytes + 1); // grows as it reads: nothing allocated ahead
            if (bytes.length > maxAnswerBytes) {
                throw tooLarge(route, maxAnswerBytes, null);
            }
            return new Answer(response.statusCode(), new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw failure(route, e);
        }
    }

    private static ComfyProtocolException tooLarge(String route, long maxBytes, Throwable cause) {
        return new ComfyProtocolException(route + " answered with more than " + maxBytes + " bytes, the most this"
                + " client reads of one answer; if this ComfyUI's answers are that large, raise"
                + " ComfyClient.Builder.maxAnswerBytes", cause);
    }

    private HttpResponse<InputStream> sendStreaming(String route, HttpRequest request) {
        return exchange(route, request, HttpResponse.BodyHandlers.ofInputStream());
    }

    private <T> HttpResponse<T> exchange(String route, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw failure(route, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComfyUnavailableException(baseUri, route + " interrupted", e);
        }
    }

    /** The typed exception for a request that got no answer (both transports end timeouts the same way). */
    private ComfyException failure(String route, IOException e) {
        return switch (e) {
            case HttpConnectTimeoutException t ->
                    new ComfyUnavailableException(baseUri, "connect timeout after " + connectTimeout.toMillis() + " ms", t);
            case HttpTimeoutException t -> new ComfyTimeoutException(route, requestTimeout, t);
            case ConnectException c -> new ComfyUnavailableException(baseUri, "connection refused", c);
            case AnswerTooLargeException big -> tooLarge(route, big.maxBytes(), big);
            default -> new ComfyUnavailableException(baseUri, route + " failed", e);
        };
    }

    static JsonNode parseJson(String route, String body) {
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json == null || json.isMissingNode()) {
                throw new ComfyProtocolException(route + " answered with an empty body where JSON was expected");
            }
            return json;
        } catch (JacksonException e) {
            throw new ComfyProtocolException(route + " answered with a body that is not JSON: "
                    + ComfyHttpException.excerpt(body), e);
        }
    }

    private static JsonNode tryParseJson(String body) {
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            return json == null || json.isMissingNode() ? null : json;
        } catch (JacksonException e) {
            return null;
        }
    }

    private static URI withTrailingSlash(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? uri : URI.create(s + "/");
    }

    private static String encodeQuery(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String encodePath(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
