package io.comfyfleet.gateway.http;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.ServerSettings;
import io.comfyfleet.gateway.jobs.JobJson;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.jobs.PayloadTooLargeException;
import io.comfyfleet.gateway.jobs.WorkerBodies;
import io.comfyfleet.gateway.jobs.WorkerService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * RunPod's worker protocol (PROTOCOL.md §2): job-take(-batch), job-done, job-stream, job-stop, ping.
 * Bodies are read as JSON whatever their content type: the Python worker sends JSON labelled
 * {@code application/x-www-form-urlencoded}, with NaN and infinities as Python writes them ({@link WorkerBodies}).
 */
final class WorkerRoutes {
    /** The most jobs one job-take-batch hands out; a worker asking for more gets this many. */
    static final int MAX_BATCH = 64;
    /** The answer to job-done, job-stream and ping: written as it is, without a serializer per request. */
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final Access access;
    private final WorkerService workers;
    private final ServerSettings server;

    WorkerRoutes(Access access, WorkerService workers, ServerSettings server) {
        this.access = access;
        this.workers = workers;
        this.server = server;
    }

    void register(RoutesConfig routes) {
        routes.get("/v2/{endpoint}/job-take/{worker}", this::take);
        routes.get("/v2/{endpoint}/job-take-batch/{worker}", this::takeBatch);
        routes.post("/v2/{endpoint}/job-done/{worker}/{id}", this::done);
        routes.post("/v2/{endpoint}/job-stream/{worker}/{id}", this::stream);
        routes.get("/v2/{endpoint}/job-stop/{worker}", this::stop);
        routes.get("/v2/{endpoint}/ping/{worker}", this::ping);
    }

    private EndpointConfig authorize(Context ctx) {
        return access.authorize(ctx.pathParam("endpoint"), ctx.header("Authorization"), Access.Side.WORKER);
    }

    private void take(Context ctx) throws InterruptedException {
        EndpointConfig endpoint = authorize(ctx);
        reportModels(ctx, endpoint);
        reportColdStart(ctx, endpoint);
        List<Job> jobs = takeJobs(ctx, endpoint, 1);
        if (jobs.isEmpty()) {
            ctx.status(204);
        } else {
            HttpIO.json(ctx, JobJson.forWorker(jobs.getFirst()));
        }
    }

    private void takeBatch(Context ctx) throws InterruptedException {
        EndpointConfig endpoint = authorize(ctx);
        // a larger batch is served, not refused: RunPod's Python worker ignores a 400 on job-take (it expects one
        // with FlashBoot, PROTOCOL.md §2.2), so a worker of concurrency over 64 would poll for ever without a job
        int size = HttpIO.atMostParam(ctx, "batch_size", 1, 1, MAX_BATCH);
        reportModels(ctx, endpoint);
        reportColdStart(ctx, endpoint);
        List<Job> jobs = takeJobs(ctx, endpoint, size);
        if (jobs.isEmpty()) {
            ctx.status(204);
        } else {
            HttpIO.json(ctx, JobJson.forWorker(jobs));
        }
    }

    /**
     * The long-poll, watching the worker's connection (see {@link ConnectionWatch}): a job-take whose client left
     * gets no job, and jobs whose answer cannot be written go back to the queue.
     */
    private List<Job> takeJobs(Context ctx, EndpointConfig endpoint, int size) throws InterruptedException {
        String worker = Ids.worker(ctx.pathParam("worker"));
        List<Job> jobs = workers.take(endpoint.name(), worker, size, busy(ctx), version(ctx), server.jobTakeHold(),
                ConnectionWatch.of(ctx));
        if (!jobs.isEmpty()) {
            ConnectionWatch.onUnsent(ctx, () -> workers.unsent(endpoint.name(), worker, jobs));
        }
        return jobs;
    }

    private void done(Context ctx) {
        // the job ends FAILED saying why, rather than running until its lease is lost (see resultTooLarge)
        jobPost(ctx, "the job-done body", server.maxWorkerBody(), workers::resultTooLarge, "(server.maxWorkerBody);"
                + " deliver large outputs to S3 or the gateway's output store rather than inline", workers::done);
    }

    private void stream(Context ctx) {
        // the job ends FAILED saying why, rather than run on with a chunk /stream readers never see
        jobPost(ctx, "the job-stream chunk", server.maxStreamChunk(), workers::streamChunkTooLarge,
                "(server.maxStreamChunk); stream smaller chunks, or raise the limit", workers::stream);
    }

    /**
     * A worker's post about one of its jobs (job-done, job-stream): the body, read under {@code limit}, goes to
     * {@code deliver}. A body over the limit ends the job FAILED through {@code endTooLarge}; the 413 then names the
     * job and gives {@code advice}.
     */
    private void jobPost(Context ctx, String what, long limit, TooLarge endTooLarge, String advice, Delivery deliver) {
        EndpointConfig endpoint = authorize(ctx);
        String worker = Ids.worker(ctx.pathParam("worker"));
        String job = Ids.job(ctx.pathParam("id"));
        byte[] body;
        try {
            body = HttpIO.body(ctx, limit, what);
        } catch (PayloadTooLargeException tooLarge) {
            boolean ended = endTooLarge.end(endpoint.name(), worker, job, tooLarge.limit());
            throw !ended ? tooLarge : new PayloadTooLargeException(what, tooLarge.limit(),
                    "job " + job + " has ended FAILED with that error " + advice);
        }
        deliver.deliver(endpoint.name(), worker, job, WorkerBodies.parse(body));
        ok(ctx);
    }

    /** Ends the job FAILED for a body over {@code limit}; false when it is no running job of that worker. */
    private interface TooLarge {
        boolean end(String endpoint, String worker, String job, long limit);
    }

    /** Hands a worker's parsed body for the job on. */
    private interface Delivery {
        void deliver(String endpoint, String worker, String job, JsonNode body);
    }

    private void stop(Context ctx) throws InterruptedException {
        EndpointConfig endpoint = authorize(ctx);
        List<String> ids = workers.stopOrders(endpoint.name(), Ids.worker(ctx.pathParam("worker")), server.jobStopHold());
        if (ids.isEmpty()) {
            ctx.status(204);
            return;
        }
        var node = Json.mapper().createObjectNode();
        ids.forEach(node.putArray("jobsToStop")::add);
        HttpIO.json(ctx, node);
    }

    private void ping(Context ctx) {
        EndpointConfig endpoint = authorize(ctx);
        String raw = ctx.queryParam("job_id");
        // an id that can be no job of the gateway's is passed over, not a 404 for the whole ping: that would leave
        // the worker's real jobs unrenewed, and they would run again elsewhere once their leases ran out
        List<String> ids = raw == null || raw.isBlank() ? List.of()
                : Arrays.stream(raw.split(",")).map(String::strip).filter(Ids::isJob).toList();
        boolean unhealthy = "unhealthy".equalsIgnoreCase(ctx.queryParam("status"));
        workers.ping(endpoint.name(), Ids.worker(ctx.pathParam("worker")), ids, unhealthy, ctx.queryParam("check"),
                ctx.queryParam("reason"));
        ok(ctx);
    }

    /** Model-affinity routing: the models a ComfyFleet worker says it holds ({@code &models=}, see {@link HeldModelsParam}). */
    private void reportModels(Context ctx, EndpointConfig endpoint) {
        String raw = ctx.queryParam(HeldModelsParam.NAME);
        if (raw != null) {
            workers.reportedModels(endpoint.name(), Ids.worker(ctx.pathParam("worker")), HeldModelsParam.parse(raw));
        }
    }

    /** How a ComfyFleet worker's cold start went ({@code &coldstart=} on its first job-take, see {@link ColdStartParam}). */
    private void reportColdStart(Context ctx, EndpointConfig endpoint) {
        String raw = ctx.queryParam(ColdStartParam.NAME);
        if (raw != null) {
            ColdStartParam.parse(raw).ifPresent(r ->
                    workers.reportedColdStart(endpoint.name(), Ids.worker(ctx.pathParam("worker")), r));
        }
    }

    /** The version the worker announces on its job-takes ({@code &version=}), at most 200 characters; null when none. */
    private static String version(Context ctx) {
        String v = ctx.queryParam("version");
        return v == null || v.isBlank() ? null : v.length() > 200 ? v.substring(0, 200) : v;
    }

    private static boolean busy(Context ctx) {
        String raw = ctx.queryParam("job_in_progress");
        return "1".equals(raw) || "true".equalsIgnoreCase(raw);
    }

    private static void ok(Context ctx) {
        HttpIO.json(ctx, EMPTY_OBJECT);
    }
}
