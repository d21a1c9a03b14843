package io.comfyfleet.gateway.http;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.StreamChunk;
import io.comfyfleet.gateway.admission.Admission;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.ServerSettings;
import io.comfyfleet.gateway.dispatch.WorkerFailure;
import io.comfyfleet.gateway.jobs.Health;
import io.comfyfleet.gateway.jobs.JobJson;
import io.comfyfleet.gateway.jobs.JobService;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.jobs.RunRequest;
import io.comfyfleet.gateway.ratelimit.ClientRateLimiter;
import io.comfyfleet.gateway.ratelimit.ClientRateLimiter.Group;
import io.comfyfleet.gateway.templates.Templates;
import io.comfyfleet.gateway.webhook.WebhookTargets;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/** RunPod's client API, {@code /v2/{endpoint}/...} (PROTOCOL.md §1.3). Every success is a 200. */
final class ClientRoutes {
    // RunPod's runsync and stream waits (PROTOCOL.md §1.3)
    static final long DEFAULT_SYNC_WAIT_MS = 90_000;
    /**
     * How long an empty {@code /stream} poll without {@code ?wait} is held. Not RunPod's 10 s: RunPod's Python SDK
     * reads {@code /stream} with a 10 s timeout ({@code Job.stream()}), so a poll held that long fails with a read
     * timeout whenever a job goes 10 s without a chunk. 5 s still spares its JS SDK, which polls in a tight loop,
     * from busy-polling.
     */
    static final long DEFAULT_STREAM_WAIT_MS = 5_000;
    static final long MIN_WAIT_MS = 1_000;
    static final long MAX_WAIT_MS = 300_000;
    // RunPod's bounds for a job's TTL (PROTOCOL.md §1.2)
    static final long MIN_TTL_MS = 10_000;
    static final long MAX_TTL_MS = 7L * 24 * 3600 * 1000;

    private final Access access;
    private final JobService jobs;
    private final ServerSettings server;
    private final Clock clock;
    private final WebhookTargets webhookTargets;
    private final ClientRateLimiter limiter;
    private final Admission admission;
    private final Templates templates;

    ClientRoutes(Access access, JobService jobs, ServerSettings server, Clock clock, WebhookTargets webhookTargets,
            ClientRateLimiter limiter, Admission admission, Templates templates) {
        this.admission = admission;
        this.templates = templates;
        this.access = access;
        this.limiter = limiter;
        this.webhookTargets = webhookTargets;
        this.jobs = jobs;
        this.server = server;
        this.clock = clock;
    }

    void register(RoutesConfig routes) {
        routes.post("/v2/{endpoint}/run", this::run);
        routes.post("/v2/{endpoint}/runsync", this::runSync);
        routes.get("/v2/{endpoint}/status/{id}", this::status);
        routes.post("/v2/{endpoint}/status/{id}", this::status);
        routes.get("/v2/{endpoint}/status-sync/{id}", this::statusSync);
        routes.post("/v2/{endpoint}/status-sync/{id}", this::statusSync);
        routes.get("/v2/{endpoint}/stream/{id}", this::stream);
        routes.post("/v2/{endpoint}/stream/{id}", this::stream);
        routes.post("/v2/{endpoint}/cancel/{id}", this::cancel);
        routes.post("/v2/{endpoint}/retry/{id}", this::retry);
        routes.post("/v2/{endpoint}/purge-queue", this::purgeQueue);
        routes.get("/v2/{endpoint}/health", this::health);
    }

    /** The endpoint, once the key is valid for it and within the key's rate limit for {@code group}. */
    private EndpointConfig authorize(Context ctx, Group group) {
        String authorization = ctx.header("Authorization");
        EndpointConfig endpoint = access.authorize(ctx.pathParam("endpoint"), authorization, Access.Side.CLIENT);
        limiter.acquire(endpoint, group, Access.stripBearer(authorization));
        return endpoint;
    }

    private void run(Context ctx) {
        EndpointConfig endpoint = authorize(ctx, Group.WRITE);
        String key = IdempotencyKeyHeader.of(ctx);
        RunRequest request = admitted(endpoint, HttpIO.body(ctx, server.maxRunBody(), "the /run body"));
        Job job = jobs.submit(endpoint, request, false, key);
        HttpIO.json(ctx, idAndStatus(job));
    }

    private void runSync(Context ctx) throws InterruptedException {
        EndpointConfig endpoint = authorize(ctx, Group.WRITE);
        Duration wait = HttpIO.waitParam(ctx, "wait", DEFAULT_SYNC_WAIT_MS, MIN_WAIT_MS, MAX_WAIT_MS);
        String key = IdempotencyKeyHeader.of(ctx);
        RunRequest request = admitted(endpoint, HttpIO.body(ctx, server.maxRunsyncBody(), "the /runsync body"));
        Job job = jobs.submit(endpoint, request, true, key);
        // when the wait runs out the answer is the non-terminal status; clients then poll /status(-sync)
        HttpIO.json(ctx, JobJson.status(jobs.awaitEnd(endpoint.name(), job.id(), wait), clock.instant()));
    }

    /**
     * The request, once its fields are valid and its workflow passes admission (ComfyUI's validation against the
     * endpoint's current node catalogue), a template's parameters expanded first: nothing is stored and no worker wakes for a refused one.
     */
    private RunRequest admitted(EndpointConfig endpoint, byte[] body) {
        // a template job becomes its full workflow first: everything after sees an ordinary job
        JsonNode root = templates.expand(endpoint.name(), RunRequest.parseJson(body));
        RunRequest request = checked(RunRequest.parse(root, endpoint));
        admission.admit(endpoint.name(), root.get("input"));
        return request;
    }

    /** Refuses a webhook the gateway would not call now, before the job is stored (delivery checks again). */
    private RunRequest checked(RunRequest request) {
        if (request.webhook() != null) {
            webhookTargets.check(request.webhook());
        }
        return request;
    }

    private void status(Context ctx) {
        EndpointConfig endpoint = authorize(ctx, Group.READ);
        String id = Ids.job(ctx.pathParam("id"));
        // ?ttl=<ms> sets the job's TTL (RunPod's /status tip), within policy.ttl's bounds
        int ttl = HttpIO.intParam(ctx, "ttl", 0, (int) MIN_TTL_MS, (int) MAX_TTL_MS);
        Job job = ttl == 0 ? jobs.status(endpoint.name(), id)
                : jobs.setTtl(endpoint.name(), id, Duration.ofMillis(ttl));
        HttpIO.json(ctx, JobJson.status(job, clock.instant()));
    }

    private void statusSync(Context ctx) throws InterruptedException {
        EndpointConfig endpoint = authorize(ctx, Group.READ);
        Duration wait = HttpIO.waitParam(ctx, "wait", DEFAULT_SYNC_WAIT_MS, MIN_WAIT_MS, MAX_WAIT_MS);
        Job job = jobs.awaitEnd(endpoint.name(), Ids.job(ctx.pathParam("id")), wait);
        HttpIO.json(ctx, JobJson.status(job, clock.instant()));
    }

    private void stream(Context ctx) throws InterruptedException {
        EndpointConfig endpoint = authorize(ctx, Group.READ);
        Duration wait = HttpIO.waitParam(ctx, "wait", DEFAULT_STREAM_WAIT_MS, MIN_WAIT_MS, MAX_WAIT_MS);
        var batch = jobs.stream(endpoint.name(), Ids.job(ctx.pathParam("id")), wait);
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("status", batch.job().state().name());
        // always present, even empty: RunPod's SDKs iterate it without checking
        ArrayNode stream = node.putArray("stream");
        for (StreamChunk chunk : batch.chunks()) {
            stream.addObject().putRawValue("output", new RawValue(chunk.outputJson()));
        }
        HttpIO.json(ctx, node);
    }

    private void cancel(Context ctx) {
        EndpointConfig endpoint = authorize(ctx, Group.WRITE);
        Job job = jobs.cancel(endpoint.name(), Ids.job(ctx.pathParam("id")));
        HttpIO.json(ctx, JobJson.status(job, clock.instant()));
    }

    private void retry(Context ctx) {
        EndpointConfig endpoint = authorize(ctx, Group.WRITE);
        Job job = jobs.retry(endpoint.name(), Ids.job(ctx.pathParam("id")));
        HttpIO.json(ctx, idAndStatus(job));
    }

    private void purgeQueue(Context ctx) {
        EndpointConfig endpoint = authorize(ctx, Group.WRITE);
        int removed = jobs.purgeQueue(endpoint.name());
        // RunPod answers with a lower-case "completed" here
        HttpIO.json(ctx, Json.mapper().createObjectNode().put("removed", removed).put("status", "completed"));
    }

    private void health(Context ctx) {
        EndpointConfig endpoint = authorize(ctx, Group.READ);
        Health health = jobs.health(endpoint.name());
        ObjectNode node = Json.mapper().createObjectNode();
        node.putObject("jobs")
                .put("completed", health.jobs().completed())
                .put("failed", health.jobs().failed())
                .put("inProgress", health.jobs().inProgress())
                .put("inQueue", health.jobs().inQueue())
                .put("retried", health.jobs().retried());
        ObjectNode workers = node.putObject("workers")
                .put("idle", health.workers().idle())
                .put("initializing", health.workers().initializing())
                .put("ready", health.workers().ready())
                .put("running", health.workers().running())
                .put("throttled", health.workers().throttled())
                .put("unhealthy", health.workers().unhealthy());
        ObjectNode versions = workers.putObject("versions");
        health.versions().forEach(versions::put);
        WorkerFailure failure = health.lastWorkerFailure();
        if (failure != null) {
            // beside RunPod's counts, not among them: clients may add up every member of "workers"
            ObjectNode f = node.putObject("lastWorkerFailure").put("workerId", failure.workerId());
            if (failure.check() != null) {
                f.put("check", failure.check());
            }
            f.put("reason", failure.reason()).put("at", failure.at().toString());
        }
        HttpIO.json(ctx, node);
    }

    private static ObjectNode idAndStatus(Job job) {
        return Json.mapper().createObjectNode().put("id", job.id()).put("status", job.state().name());
    }
}
