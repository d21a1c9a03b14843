package io.comfyfleet.worker.gateway;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.common.http.BlockingHttp;
import io.comfyfleet.common.http.BlockingHttp.Answer;
import io.comfyfleet.worker.config.GatewayEndpoints;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The worker's side of RunPod's worker protocol (job-take, job-done, job-stream, job-stop, ping), one call
 * per method. Thread-safe. It does not retry: the callers decide (the take loop backs off, the
 * {@link ResultOutbox} keeps results until they are accepted).
 *
 * <p>Each call is a blocking request on the calling thread ({@link BlockingHttp}): the answer wakes the waiting
 * thread itself. A blocked call does not end on an interrupt alone: {@link #abort(Thread)} ends it.
 */
public final class GatewayClient {
    /** RunPod's workers give up on a job-take after 90 s; the gateway answers 204 before that. */
    static final Duration LONG_POLL_TIMEOUT = Duration.ofSeconds(95);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final int BODY_EXCERPT = 300;

    private final GatewayEndpoints endpoints;
    private final Map<String, String> headers;
    /**
     * No cap but what one array holds: a job-take answer carries the job's input, which the gateway has already
     * bounded by its own settings (maxRunsyncBody, any size an operator chose); a lower cap here would leave a job
     * taken that the worker cannot read, to wait out its lease and be taken again.
     */
    private final BlockingHttp http = new BlockingHttp(CONNECT_TIMEOUT, Integer.MAX_VALUE - 8);
    private final Silence silence = new Silence(System::nanoTime);

    public GatewayClient(GatewayEndpoints endpoints) {
        this.endpoints = endpoints;
        this.headers = endpoints.apiKey().isEmpty() ? Map.of() : Map.of("Authorization", endpoints.apiKey());
    }

    /**
     * Ends the call {@code caller} is blocked in (e.g. the job-take long-poll at shutdown) with a
     * {@link GatewayUnavailableException}, and interrupts it; a call it starts afterwards fails at once.
     */
    public void abort(Thread caller) {
        http.abort(caller);
    }

    public GatewayEndpoints endpoints() {
        return endpoints;
    }

    /**
     * How long the gateway has left this client's calls unanswered: zero while the last call got an answer, else
     * the time since the first call that got none (unreachable, or 502/503/504 from a proxy in front of it). A call
     * ended by {@link #abort(Thread)} counts neither way.
     */
    public Duration silentFor() {
        return silence.silentFor();
    }

    /**
     * Long-polls for one job.
     *
     * @param jobInProgress whether this worker is busy with another job (RunPod's {@code job_in_progress})
     * @throws GatewayUnavailableException when the gateway is unreachable or answers 5xx
     * @throws GatewayRefusedException on another 4xx (e.g. 401: wrong worker key), or a job without id/input
     */
    public TakeOutcome takeJob(boolean jobInProgress) {
        return take(endpoints.jobTakeUri(jobInProgress));
    }

    /** As {@link #takeJob(boolean)}, telling the gateway the models this worker holds (model-affinity routing). */
    public TakeOutcome takeJob(boolean jobInProgress, Collection<String> heldModels) {
        return take(endpoints.jobTakeUri(jobInProgress, heldModels));
    }

    /**
     * As {@link #takeJob(boolean, Collection)}, with this worker's cold start ({@code &coldstart=}, see
     * {@code ColdStartMarks#report}) when {@code coldStart} is not null: ComfyFleet's gateway keeps it per worker,
     * RunPod ignores parameters it does not know.
     */
    public TakeOutcome takeJob(boolean jobInProgress, Collection<String> heldModels, String coldStart) {
        URI uri = endpoints.jobTakeUri(jobInProgress, heldModels);
        return take(coldStart == null ? uri
                : URI.create(uri + "&coldstart=" + java.net.URLEncoder.encode(coldStart, java.nio.charset.StandardCharsets.UTF_8)));
    }

    private TakeOutcome take(URI uri) {
        Answer response = send(uri, LONG_POLL_TIMEOUT, null, "job-take");
        int status = response.status();
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
        Answer response = send(endpoints.jobStopUri(), LONG_POLL_TIMEOUT, null, "job-stop");
        if (response.status() == 204 || response.status() / 100 == 2 && response.body().isBlank()) {
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
        Answer response = send(endpoints.jobDoneUri(jobId, false), CALL_TIMEOUT, body, "job-done " + jobId);
        requireSuccess(response, "job-done " + jobId);
    }

    /** Posts a progress update, {@code {"status":"IN_PROGRESS","output":progress}}, to job-done. */
    public void postProgress(String jobId, JsonNode progress) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", "IN_PROGRESS");
        body.set("output", progress);
        Answer response = send(endpoints.jobDoneUri(jobId, false), CALL_TIMEOUT, body, "progress " + jobId);
        requireSuccess(response, "progress " + jobId);
    }

    /** Posts one stream chunk, {@code {"output":chunk}}, to job-stream. */
    public void postStream(String jobId, JsonNode chunk) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("output", chunk);
        Answer response = send(endpoints.jobStreamUri(jobId), CALL_TIMEOUT, body, "job-stream " + jobId);
        requireSuccess(response, "job-stream " + jobId);
    }

    /** Sends one heartbeat with the ids of the jobs in progress; does nothing when no ping URL is set. */
    public void ping(Collection<String> jobIdsInProgress) {
        URI uri = endpoints.pingUri(jobIdsInProgress);
        if (uri == null) {
            return;
        }
        Answer response = send(uri, CALL_TIMEOUT, null, "ping");
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
        requireSuccess(send(uri, CALL_TIMEOUT, null, "unhealthy ping"), "unhealthy ping");
    }

    /**
     * Reports this worker's node catalogue (ComfyFleet's extension, {@code POST .../catalogue/<worker>}): with
     * {@code body} null only the digest, asking whether the gateway has it.
     *
     * @return true when the gateway has the catalogue now; false when it wants the body
     * @throws GatewayUnavailableException when unreachable, 5xx or 429
     * @throws GatewayRefusedException any other non-2xx, e.g. 404 from a gateway without the extension (RunPod)
     */
    public boolean reportCatalogue(String digest, byte[] body) {
        Answer response;
        URI uri = endpoints.catalogueUri(digest);
        try {
            response = http.exchange(uri, headers, body == null ? new byte[0] : body, CALL_TIMEOUT);
            silence.heard(response.status());
        } catch (InterruptedIOException e) {
            throw new GatewayUnavailableException("catalogue report was interrupted", 0, e);
        } catch (IOException e) {
            silence.unanswered();
            throw new GatewayUnavailableException("catalogue report could not reach the gateway at "
                    + uri.getScheme() + "://" + uri.getAuthority() + ": " + e, 0, e);
        }
        requireSuccess(response, "catalogue report");
        return parse(response.body(), "catalogue report").path("known").asBoolean(false);
    }

    /** GET {@code uri}, or POST {@code body} as JSON to it; blocks until the answer or the timeout. */
    private Answer send(URI uri, Duration timeout, JsonNode body, String what) {
        try {
            Answer answer = http.exchange(uri, headers, body == null ? null : Json.MAPPER.writeValueAsBytes(body), timeout);
            silence.heard(answer.status());
            return answer;
        } catch (InterruptedIOException e) {
            throw new GatewayUnavailableException(what + " was interrupted", 0, e);
        } catch (IOException e) {
            silence.unanswered();
            throw new GatewayUnavailableException(what + " could not reach the gateway at "
                    + uri.getScheme() + "://" + uri.getAuthority() + ": " + e, 0, e);
        }
    }

    private static void requireSuccess(Answer response, String what) {
        int status = response.status();
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
