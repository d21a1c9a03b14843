package io.comfyfleet.worker.gateway;

import io.comfyfleet.comfy.Json;
import io.comfyfleet.worker.config.GatewayEndpoints;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The worker's side of RunPod's worker protocol (job-take, job-done, job-stream, job-stop, ping), one call
 * per method, over {@code java.net.http}. Thread-safe. It does not retry: the callers decide (the take loop
 * backs off, the {@link ResultOutbox} keeps results until they are accepted).
 */
public final class GatewayClient {
    /** RunPod's workers give up on a job-take after 90 s; the gateway answers 204 before that. */
    static final Duration LONG_POLL_TIMEOUT = Duration.ofSeconds(95);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final int BODY_EXCERPT = 300;

    private final GatewayEndpoints endpoints;
    private final HttpClient http;

    public GatewayClient(GatewayEndpoints endpoints) {
        // HTTP/1.1 as RunPod's workers speak it: the default (HTTP/2) offers an h2c upgrade on every plain-http
        // request, which the gateway declines each time. Answers are handled on the client's selector thread, not
        // handed to a pool thread first (one wake-up less per answer): every call here is a blocking send() whose
        // body is a string, so nothing run there blocks
        this(endpoints, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(Runnable::run).build());
    }

    GatewayClient(GatewayEndpoints endpoints, HttpClient http) {
        this.endpoints = endpoints;
        this.http = http;
    }

    public GatewayEndpoints endpoints() {
        return endpoints;
    }

    /**
     * Long-polls for one job.
     *
     * @param jobInProgress whether this worker is busy with another job (RunPod's {@code job_in_progress})
     * @throws GatewayUnavailableException when the gateway is unreachable or answers 5xx
     * @throws GatewayRefusedException on another 4xx (e.g. 401: wrong worker key), or a job without id/input
     */
    public TakeOutcome takeJob(boolean jobInProgress) {
        HttpResponse<String> response = send(get(endpoints.jobTakeUri(jobInProgress), LONG_POLL_TIMEOUT), "job-take");
        int status = response.statusCode();
        if (status == 204 || status == 400) {
            return new TakeOutcome.NoJob();
        }
        if (status == 429) {
            return new TakeOutcome.Throttled();
        }
        requireSuccess(response, "job-take");
        String body = response.body();
        if (body == null || body.isBlank()) {
            return new TakeOutcome.NoJob();
        }
        JsonNode node = parse(body, "job-take");
        if (!(node instanceof ObjectNode job) || !job.path("id").isString() || !job.has("input")) {
            throw new GatewayRefusedException("job-take answered a job without 'id' and 'input': " + excerpt(body),
                    status, excerpt(body));
        }
        return new TakeOutcome.Job(new TakenJob(job.get("id").asString(), job.get("input"), job));
    }

    /**
     * Long-polls the job-stop channel.
     *
     * @return the ids the gateway wants stopped; empty when none (204)
     * @throws GatewayUnavailableException when unreachable, 5xx, or throttled (429): the caller backs off
     */
    public List<String> pollStop() {
        HttpResponse<String> response = send(get(endpoints.jobStopUri(), LONG_POLL_TIMEOUT), "job-stop");
        if (response.statusCode() == 204 || response.statusCode() / 100 == 2 && response.body().isBlank()) {
            return List.of();
        }
        requireSuccess(response, "job-stop");
        JsonNode ids = parse(response.body(), "job-stop").path("jobsToStop");
        List<String> result = new ArrayList<>();
        ids.forEach(id -> result.add(id.asString()));
        return result;
    }

    /**
     * Posts a job's final result ({@code {"output":…}} or {@code {"error":…}}) to job-done.
     *
     * @throws GatewayUnavailableException unreachable, 5xx or 429: worth posting again later
     * @throws GatewayRefusedException any other non-2xx: posting the same body again will not help
     */
    public void postResult(String jobId, JsonNode body) {
        HttpResponse<String> response = send(post(endpoints.jobDoneUri(jobId, false), body), "job-done " + jobId);
        requireSuccess(response, "job-done " + jobId);
    }

    /** Posts a progress update, {@code {"status":"IN_PROGRESS","output":progress}}, to job-done. */
    public void postProgress(String jobId, JsonNode progress) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", "IN_PROGRESS");
        body.set("output", progress);
        HttpResponse<String> response = send(post(endpoints.jobDoneUri(jobId, false), body), "progress " + jobId);
        requireSuccess(response, "progress " + jobId);
    }

    /** Posts one stream chunk, {@code {"output":chunk}}, to job-stream. */
    public void postStream(String jobId, JsonNode chunk) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("output", chunk);
        HttpResponse<String> response = send(post(endpoints.jobStreamUri(jobId), body), "job-stream " + jobId);
        requireSuccess(response, "job-stream " + jobId);
    }

    /** Sends one heartbeat with the ids of the jobs in progress; does nothing when no ping URL is set. */
    public void ping(Collection<String> jobIdsInProgress) {
        URI uri = endpoints.pingUri(jobIdsInProgress);
        if (uri == null) {
            return;
        }
        HttpResponse<String> response = send(get(uri, CALL_TIMEOUT), "ping");
        requireSuccess(response, "ping");
    }

    /**
     * Tells the gateway this worker cannot work ({@code ping?status=unhealthy}), e.g. because its ComfyUI keeps
     * crashing; does nothing when no ping URL is set.
     *
     * @throws GatewayUnavailableException or {@link GatewayRefusedException} when the gateway does not take it
     */
    public void reportUnhealthy(String check, String reason) {
        URI uri = endpoints.unhealthyPingUri(check, reason);
        if (uri == null) {
            return;
        }
        requireSuccess(send(get(uri, CALL_TIMEOUT), "unhealthy ping"), "unhealthy ping");
    }

    private HttpRequest get(URI uri, Duration timeout) {
        return base(uri, timeout).GET().build();
    }

    private HttpRequest post(URI uri, JsonNode body) {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        return base(uri, CALL_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build();
    }

    private HttpRequest.Builder base(URI uri, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        if (!endpoints.apiKey().isEmpty()) {
            b.header("Authorization", endpoints.apiKey());
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest request, String what) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new GatewayUnavailableException(what + " could not reach the gateway at "
                    + request.uri().getScheme() + "://" + request.uri().getAuthority() + ": " + e, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayUnavailableException(what + " was interrupted", 0, e);
        }
    }

    private static void requireSuccess(HttpResponse<String> response, String what) {
        int status = response.statusCode();
        if (status / 100 == 2) {
            return;
        }
        String body = excerpt(response.body());
        if (status == 429 || status == 408 || status / 100 == 5) {
            throw new GatewayUnavailableException(what + " got HTTP " + status + " from the gateway: " + body, status, null);
        }
        throw new GatewayRefusedException(what + " was refused by the gateway with HTTP " + status + ": " + body,
                status, body);
    }

    private static JsonNode parse(String body, String what) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new GatewayRefusedException(what + " answered with something that is not JSON: " + excerpt(body),
                    200, excerpt(body));
        }
    }

    static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        return body.length() <= BODY_EXCERPT ? body : body.substring(0, BODY_EXCERPT) + "…";
    }
}
