package io.comfyfleet.sdk;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * HTTP to one base URL ({@code .../v2}): JSON in and out, the key on every call, and every failure mapped to
 * the SDK's typed exceptions in this one place.
 *
 * <p>Calls to the base URL follow no redirect: the JDK turns a redirected POST into a GET (the job is never
 * submitted, and the answer of wherever it pointed is read as the submission's), and before Java 21 sends the key
 * along to any host. A 3xx is an error naming where it pointed. Downloads of links on other hosts (S3), which carry
 * no key, do follow redirects.
 *
 * <p>A JSON call's timeout bounds its whole answer, body included: the JDK's own ends once the headers arrived, so a
 * server that stalled in the body held the call as long as it liked.
 */
final class Transport {
    static final ObjectMapper JSON = JsonMapper.builder().build();
    /**
     * The default cap on one answer (and one line of the event stream), which the SDK holds in memory whole. Outputs
     * come inline as base64 images and videos, so it is generous: RunPod takes /runsync bodies up to 20 MB and its
     * workers' results fail past about that (PROTOCOL.md), and ComfyFleet's gateway takes results up to 64 MB by
     * default ({@code server.maxWorkerBody}); base64 and the JSON around it still fit twice over.
     */
    static final long DEFAULT_MAX_RESPONSE_BYTES = 128L << 20;

    private final URI base;
    private final String apiKey;
    private final Duration requestTimeout;
    private final long maxResponseBytes;
    private final HttpClient http;
    private final HttpClient foreignDownloads;

    Transport(URI base, String apiKey, Duration connectTimeout, Duration requestTimeout, Executor executor) {
        this(base, apiKey, connectTimeout, requestTimeout, executor, DEFAULT_MAX_RESPONSE_BYTES);
    }

    Transport(URI base, String apiKey, Duration connectTimeout, Duration requestTimeout, Executor executor,
              long maxResponseBytes) {
        this.maxResponseBytes = maxResponseBytes;
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.apiKey = apiKey;
        this.requestTimeout = requestTimeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                // over plain http the JDK client would offer an h2c upgrade on every new connection, which
                // neither ComfyFleet nor RunPod takes; over https HTTP/2 is chosen by ALPN as usual
                .version("http".equalsIgnoreCase(this.base.getScheme())
                        ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2);
        if (executor != null) {
            builder.executor(executor);
        }
        this.http = builder.build();
        this.foreignDownloads = builder.followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    HttpClient http() {
        return http;
    }

    /** The most bytes one answer, or one line of an event stream, may have. */
    long maxResponseBytes() {
        return maxResponseBytes;
    }

    /** The client for a download from {@code url}: one that follows redirects only where no key is sent. */
    HttpClient downloads(URI url) {
        return sameOrigin(url) ? http : foreignDownloads;
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(timeout);
        authorize(b);
        return b;
    }

    void authorize(HttpRequest.Builder b) {
        if (apiKey != null && !apiKey.isEmpty()) {
            // RunPod's SDKs send a bearer token; ComfyFleet and RunPod accept both forms
            b.header("Authorization", "Bearer " + apiKey);
        }
    }

    JsonNode get(String path, String jobId) {
        return send(request(path, requestTimeout).GET().build(), jobId);
    }

    JsonNode post(String path, JsonNode body, String jobId) {
        return post(path, body, jobId, requestTimeout);
    }

    JsonNode post(String path, JsonNode body, String jobId, Duration timeout) {
        return send(jsonPost(path, body, timeout, null), jobId);
    }

    /**
     * A JSON POST with its key; with {@code idempotencyKey}, ComfyFleet's {@code Idempotency-Key} header too.
     */
    HttpRequest jsonPost(String path, JsonNode body, Duration timeout, String idempotencyKey) {
        byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        HttpRequest.Builder b = request(path, timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return b.build();
    }

    /** Sends the request and maps every failure to the SDK's typed exceptions. */
    JsonNode send(HttpRequest request) {
        return send(request, null);
    }

    /** {@link #get} without blocking: the future fails with the same typed exceptions. */
    CompletableFuture<JsonNode> getAsync(String path, String jobId) {
        return sendAsync(request(path, requestTimeout).GET().build(), jobId);
    }

    /** {@link #post} without blocking: the future fails with the same typed exceptions. */
    CompletableFuture<JsonNode> postAsync(String path, JsonNode body, String jobId) {
        return sendAsync(jsonPost(path, body, requestTimeout, null), jobId);
    }

    /** {@link #send(HttpRequest)} without blocking: the future fails with the same typed exceptions. */
    CompletableFuture<JsonNode> sendAsync(HttpRequest request) {
        return sendAsync(request, null);
    }

    private CompletableFuture<JsonNode> sendAsync(HttpRequest request, String jobId) {
        HttpResponse.BodyHandler<byte[]> capped = info -> BodyLimit.whole(HttpResponse.BodySubscribers.ofByteArray(),
                maxResponseBytes);
        return wholeAnswerWithinTimeout(request, http.sendAsync(request, capped))
                .handle((response, error) -> {
            if (error != null) {
                throw failure(request, error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error, jobId);
            }
            return answer(request, response, jobId);
        });
    }

    /** The exception for a request that got no answer (refused, reset, timed out). */
    static ComfyFleetException failure(HttpRequest request, Throwable error, String jobId) {
        if (error instanceof ComfyFleetException) {
            return (ComfyFleetException) error;
        }
        BodyLimit.Exceeded over = exceeded(error);
        if (over != null) {
            return new ComfyFleetException(describe(request) + " answered with " + over.what
                    + " longer than the SDK's limit of " + size(over.cap) + "; if the job's outputs are meant to be"
                    + " that large, raise it with ComfyFleetClient.builder().maxResponseBytes(...), or have the"
                    + " gateway hand outputs over as links (S3 or its output store) rather than inline",
                    jobId, 0, null, over);
        }
        if (error instanceof java.net.http.HttpTimeoutException) {
            return new ComfyFleetException(describe(request) + " got no answer within "
                    + request.timeout().map(HumanDuration::of).orElse("the timeout"), jobId, 0, null, error);
        }
        return new ComfyFleetException(describe(request) + " failed: " + error, jobId, 0, null, error);
    }

    /** The cap {@code error} or one of its causes says an answer passed; null when it is about something else. */
    static BodyLimit.Exceeded exceeded(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BodyLimit.Exceeded over) {
                return over;
            }
        }
        return null;
    }

    private static String size(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MB" : bytes + " bytes";
    }

    private JsonNode send(HttpRequest request, String jobId) {
        CompletableFuture<JsonNode> call = sendAsync(request, jobId);
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ComfyFleetException c ? c : failure(request, e.getCause(), jobId);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ComfyFleetException(describe(request) + " was interrupted", jobId, 0, null, e);
        }
    }

    /**
     * {@code exchange}, cancelled (the JDK then drops its connection) once the request's timeout has passed without
     * the whole answer, headers and body.
     */
    private static <T> CompletableFuture<HttpResponse<T>> wholeAnswerWithinTimeout(
            HttpRequest request, CompletableFuture<HttpResponse<T>> exchange) {
        if (request.timeout().isEmpty()) {
            return exchange;
        }
        Duration timeout = request.timeout().get();
        CompletableFuture<HttpResponse<T>> bounded = new CompletableFuture<>();
        ScheduledFuture<?> timer = SdkTimers.schedule(timeout.toMillis(), () -> {
            if (bounded.completeExceptionally(new HttpTimeoutException("no whole answer within " + timeout))) {
                exchange.cancel(true);
            }
        });
        exchange.whenComplete((response, error) -> {
            timer.cancel(false);
            if (error == null) {
                bounded.complete(response);
            } else {
                bounded.completeExceptionally(error);
            }
        });
        bounded.whenComplete((response, error) -> {
            if (bounded.isCancelled()) {
                exchange.cancel(true); // a caller that gives up on the call ends the exchange too
            }
        });
        return bounded;
    }

    private static JsonNode answer(HttpRequest request, HttpResponse<byte[]> response, String jobId) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() / 100 == 3) {
            throw redirected(request, response, jobId);
        }
        if (response.statusCode() / 100 != 2) {
            throw failure(request, response.statusCode(), body, jobId);
        }
        try {
            return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (JacksonException e) {
            throw new ComfyFleetException(describe(request) + " answered HTTP " + response.statusCode()
                    + " with a body that is not JSON: " + abbreviate(body), jobId, response.statusCode(), body, e);
        }
    }

    <T> HttpResponse<T> exchange(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                 String jobId) {
        try {
            return client.send(request, handler);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new ComfyFleetException(describe(request) + " got no answer within "
                    + request.timeout().map(HumanDuration::of).orElse("the timeout"), jobId, 0, null, e);
        } catch (IOException e) {
            throw new ComfyFleetException(describe(request) + " failed: " + e, jobId, 0, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComfyFleetException(describe(request) + " was interrupted", jobId, 0, null, e);
        }
    }

    /** A redirect, which the SDK does not follow: where it pointed, and what to change. */
    static ComfyFleetException redirected(HttpRequest request, HttpResponse<?> response, String jobId) {
        String location = response.headers().firstValue("Location").orElse("nowhere (no Location header)");
        return new ComfyFleetException(describe(request) + " answered HTTP " + response.statusCode()
                + ", a redirect to " + location + ", which the SDK does not follow (a job or the API key must not go"
                + " elsewhere): if that is the gateway, give its address as the base URL", jobId,
                response.statusCode(), null, null);
    }

    /** The typed exception for a non-2xx answer; the server's {@code {"error": ...}} text when it sent one. */
    static ComfyFleetException failure(HttpRequest request, int status, String body, String jobId) {
        String message = serverMessage(body);
        String what = describe(request) + " answered HTTP " + status + (message == null ? "" : ": " + message);
        switch (status) {
            case 401:
            case 403:
                return new UnauthorizedException(what + " (check the API key and that it is a client key of this"
                        + " endpoint)", jobId, status, message);
            case 404:
                return new NotFoundException(what, jobId, message);
            case 400:
            case 409:
            case 413:
            case 422:
                return new RequestRejectedException(what, jobId, status, message);
            default:
                return new ComfyFleetException(what, jobId, status, message, null);
        }
    }

    static String serverMessage(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode error = node.get("error");
            if (error != null && error.isObject() && node.path("node_errors").isObject()) {
                return comfyMessage(error, node.get("node_errors"));
            }
            if (error != null && !error.isNull()) {
                return error.isString() ? error.asString() : error.toString();
            }
        } catch (JacksonException e) {
            // not JSON (a proxy's HTML page, RunPod's plain-text 404): the text itself is the message
        }
        return abbreviate(body.strip());
    }

    /**
     * ComfyUI's own 400 (a workflow refused at admission) in one line: its message and details, then each
     * node's errors as {@code node <id> (<class>): <message>: <details>}.
     */
    static String comfyMessage(JsonNode error, JsonNode nodeErrors) {
        StringBuilder text = new StringBuilder(error.path("message").asString("the workflow was refused"));
        String details = error.path("details").asString("");
        if (!details.isEmpty() && nodeErrors.isEmpty()) {
            text.append(" (").append(details).append(')');
        }
        for (java.util.Map.Entry<String, JsonNode> node : nodeErrors.properties()) {
            for (JsonNode e : node.getValue().path("errors")) {
                text.append("; node ").append(node.getKey()).append(" (")
                        .append(node.getValue().path("class_type").asString("?")).append("): ")
                        .append(messageAndDetails(e.path("message").asString(""), e.path("details").asString("")));
            }
        }
        return text.toString();
    }

    /**
     * A node error as ComfyUI words it: what is wrong ({@code Required input is missing}) and where ({@code height}),
     * as {@code message: details}; either alone when the other is empty or says the same.
     */
    private static String messageAndDetails(String message, String details) {
        if (details.isEmpty() || message.equals(details)) {
            return message;
        }
        return message.isEmpty() ? details : message + ": " + details;
    }

    /** True when {@code url} points at the same scheme, host and port as the base URL, so it may get the key. */
    boolean sameOrigin(URI url) {
        return Objects.equals(lower(url.getScheme()), lower(base.getScheme()))
                && Objects.equals(lower(url.getHost()), lower(base.getHost()))
                && port(url) == port(base);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    static String describe(HttpRequest request) {
        URI uri = request.uri();
        return request.method() + " " + uri.getScheme() + "://" + uri.getAuthority() + uri.getRawPath();
    }

    static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
