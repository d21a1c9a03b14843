package io.comfyfleet.gateway.http;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobNotFoundException;
import io.comfyfleet.core.job.JobState;
import io.comfyfleet.core.job.JobStoreException;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.jobs.JobFeed;
import io.comfyfleet.gateway.jobs.JobJson;
import io.comfyfleet.gateway.jobs.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ComfyFleet's live job events, {@code GET /v2/{endpoint}/events/{id}} as Server-Sent Events (not in RunPod's
 * API; clients fall back to polling {@code /status} where it answers 404).
 *
 * <p>Events: {@code status} when the state changes ({@code {id, status, delayTime, executionTime, retries,
 * workerId?}}), {@code preview} with the latest preview frame when the update has one ({@code {"preview":
 * "data:image/jpeg;base64,..."}}), sent just before {@code progress} with the worker's IN_PROGRESS output (the
 * frame left out), and {@code result}
 * with the final {@code /status} object, after which the stream ends. Every event carries the job version as
 * its {@code id}; a client reconnecting with {@code Last-Event-ID} is sent only what changed since. A job deleted
 * while followed (its TTL ran out, which ends the stream at the expiry; purge-queue) ends the stream with a
 * {@code gone} event, {@code {id, error}}, the error a waiting {@code /status-sync} gets as its 404: the answer
 * has begun, so the 404 can no longer be its status.
 */
final class EventRoutes {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EventRoutes.class);
    /** How often a silent stream sends a comment, so proxies keep it open and a gone client is noticed. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] KEEP_ALIVE_COMMENT = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

    private final Access access;
    private final JobFeed feed;
    private final Clock clock;

    EventRoutes(Access access, JobFeed feed, Clock clock) {
        this.access = access;
        this.feed = feed;
        this.clock = clock;
    }

    void register(RoutesConfig routes) {
        routes.get("/v2/{endpoint}/events/{id}", this::events);
    }

    private void events(Context ctx) throws InterruptedException {
        EndpointConfig endpoint = access.authorize(ctx.pathParam("endpoint"), ctx.header("Authorization"),
                Access.Side.CLIENT);
        String jobId = Ids.job(ctx.pathParam("id"));
        String lastSent = ctx.header("Last-Event-ID");
        // looked up before answering, so an unknown job is a JSON 404 rather than an empty stream
        JobFeed.Versioned job = feed.next(endpoint.name(), jobId, lastSent, Duration.ZERO);
        ctx.status(200).contentType("text/event-stream; charset=utf-8")
                .header("Cache-Control", "no-cache")
                .header("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
        OutputStream out = null;
        try (JobFeed.Following following = feed.follow(jobId)) {
            out = ctx.res().getOutputStream();
            JobFeed.Versioned previous = null;
            if (lastSent != null && lastSent.equals(job.version())) {
                if (job.job().state().isTerminal()) {
                    return; // the client already holds the result
                }
                previous = job;
            } else {
                write(out, null, job);
                previous = job;
            }
            while (!previous.job().state().isTerminal() && !feed.stopping()) {
                JobFeed.Versioned next = feed.next(endpoint.name(), jobId, previous, KEEP_ALIVE);
                if (next.version().equals(previous.version())) {
                    out.write(KEEP_ALIVE_COMMENT);
                    out.flush();
                    continue;
                }
                write(out, previous.job(), next);
                previous = next;
            }
        } catch (IOException e) {
            // the client went away: nothing to answer
        } catch (JobNotFoundException e) {
            // the job was deleted (TTL, purge) while followed: the last event says so, then the stream ends
            gone(out, jobId, e);
        } catch (JobStoreException e) {
            // the answer has begun, so no error status can be sent: end the stream; the client reconnects
            log.warn("event stream of job {} ended: the job store is unavailable", jobId, e);
        }
    }

    private static void gone(OutputStream out, String jobId, JobNotFoundException why) {
        if (out == null) {
            return;
        }
        ObjectNode gone = Json.mapper().createObjectNode();
        gone.put("id", jobId);
        gone.put("error", why.getMessage());
        try {
            // no id: a reconnect resumes after the last state sent, and is answered 404 itself
            out.write("event: gone\ndata: ".getBytes(StandardCharsets.UTF_8));
            out.write(Json.mapper().writeValueAsBytes(gone));
            out.write(EVENT_END);
            out.flush();
        } catch (IOException e) {
            // the client went away: nothing to tell
        }
    }

    private void write(OutputStream out, Job before, JobFeed.Versioned versioned) throws IOException {
        Job now = versioned.job();
        String id = versioned.version();
        if (before == null || before.state() != now.state() || before.retries() != now.retries()) {
            ObjectNode status = Json.mapper().createObjectNode();
            status.put("id", now.id());
            status.put("status", now.state().name());
            status.put("delayTime", now.delayTimeMillis(clock.instant()));
            status.put("executionTime", now.executionTimeMillis(clock.instant()));
            status.put("retries", now.retries());
            if (now.workerId() != null) {
                status.put("workerId", now.workerId());
            }
            send(out, "status", id, status);
        }
        if (now.state() == JobState.IN_PROGRESS && now.outputJson() != null
                && (before == null || !Objects.equals(before.outputJson(), now.outputJson()))) {
            progress(out, id, now.outputJson());
        }
        if (now.state().isTerminal()) {
            send(out, "result", id, JobJson.status(now, clock.instant()));
        }
        out.flush();
    }

    private void progress(OutputStream out, String id, String outputJson) throws IOException {
        if (!outputJson.contains("\"preview\"")) {
            // most updates carry no frame: the stored text is already compact JSON (the gateway wrote it with
            // Jackson), so it is sent as it is rather than parsed and written again for every follower
            send(out, "progress", id, outputJson);
            return;
        }
        JsonNode output;
        try {
            output = Json.mapper().readTree(outputJson);
        } catch (JacksonException e) {
            return; // stored by the gateway itself as JSON; unreadable means nothing to show
        }
        JsonNode preview = output.isObject() ? ((ObjectNode) output).remove("preview") : null;
        // the frame goes first, so a client can show it with the figures of the progress event that follows
        if (preview != null && preview.isString()) {
            send(out, "preview", id, Json.mapper().createObjectNode().set("preview", preview));
        }
        send(out, "progress", id, output);
    }

    private static void send(OutputStream out, String event, String id, JsonNode data) throws IOException {
        sendLine(out, event, id, Json.mapper().writeValueAsBytes(data));
    }

    private static void send(OutputStream out, String event, String id, String compactJson) throws IOException {
        sendLine(out, event, id, compactJson.getBytes(StandardCharsets.UTF_8));
    }

    private static void sendLine(OutputStream out, String event, String id, byte[] compactJson) throws IOException {
        // JSON written compactly never contains a newline, so one data: line holds it; the parts go to the
        // response's buffer one after the other rather than joined into one more copy of the output first
        out.write(("event: " + event + "\nid: " + id + "\ndata: ").getBytes(StandardCharsets.UTF_8));
        out.write(compactJson);
        out.write(EVENT_END);
    }
}
