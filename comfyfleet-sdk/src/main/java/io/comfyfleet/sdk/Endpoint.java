package io.comfyfleet.sdk;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One serverless endpoint: submit workflows, wait for them, look at and manage its queue.
 * Obtain with {@link ComfyFleetClient#endpoint(String)}; thread-safe.
 */
public final class Endpoint {
    private final ComfyFleetClient client;
    private final String id;
    private final String root;
    // learnt once: RunPod has no /events route, so after the first 404 every wait polls
    private final AtomicBoolean eventsAbsent = new AtomicBoolean();

    Endpoint(ComfyFleetClient client, String id) {
        this.client = client;
        this.id = id;
        // a path segment, not a form value: a space is %20 (URLEncoder's '+' is a literal '+' in a path)
        this.root = "/" + enc(id);
    }

    /** The endpoint id. */
    public String id() {
        return id;
    }

    /**
     * Submits a workflow ({@code POST /run}) and returns at once.
     *
     * @param images  uploaded before the workflow runs (may be empty)
     * @param options webhook, policy, previews ({@link RunOptions#defaults()})
     * @throws RequestRejectedException when the server refuses the request (its message says why)
     * @throws UnauthorizedException    when the key is not accepted
     * @throws NotFoundException        when the endpoint does not exist
     */
    public JobHandle run(Workflow workflow, List<InputImage> images, RunOptions options) {
        return submit(body(workflow, images, options), keyOf(options));
    }

    /**
     * Submits a job by template ({@code POST /run}: {@code {"input": {"template", "params", "images"}}}).
     *
     * @throws RequestRejectedException when the template is unknown or a parameter is wrong (the message names it
     *     and what it takes)
     * @throws UnauthorizedException    when the key is not accepted
     * @throws NotFoundException        when the endpoint does not exist
     */
    public JobHandle run(Template template, List<InputImage> images, RunOptions options) {
        return submit(body(template, images, options), keyOf(options));
    }

    /** {@link #run(Template, List, RunOptions)} without images and with default options. */
    public JobHandle run(Template template) {
        return run(template, List.of(), RunOptions.defaults());
    }

    /** {@link #run(Template, List, RunOptions)} without blocking; chain {@link JobHandle#awaitAsync}. */
    public CompletableFuture<JobHandle> runAsync(Template template, List<InputImage> images, RunOptions options) {
        return submissions().postAsync(path("/run"), body(template, images, options), keyOf(options))
                .thenApply(answer -> new JobHandle(this, submittedId(answer), true));
    }

    /**
     * Submits a job by template with {@code POST /runsync} and waits up to {@code timeout} for its result, as
     * {@link #runSync(Workflow, List, RunOptions, Duration)} does.
     */
    public JobResult runSync(Template template, List<InputImage> images, RunOptions options, Duration timeout) {
        return runSync(body(template, images, options), keyOf(options), timeout);
    }

    /** The endpoint's templates with the JSON Schema of their parameters ({@code GET /templates}). */
    public List<TemplateInfo> templates() {
        List<TemplateInfo> result = new ArrayList<>();
        client.transport().get(path("/templates"), null).path("templates")
                .forEach(t -> result.add(TemplateInfo.parse(t)));
        return result;
    }

    private JobHandle submit(ObjectNode body, String idempotencyKey) {
        var answer = submissions().post(path("/run"), body, idempotencyKey, client.requestTimeout(),
                client.requestTimeout());
        return new JobHandle(this, submittedId(answer), true);
    }

    /**
     * {@link #run(Workflow, List, RunOptions)} without blocking: the future fails with the same exceptions.
     * Chain {@link JobHandle#awaitAsync} to follow the job without holding a thread:
     * {@code ep.runAsync(wf, images, options).thenCompose(job -> job.awaitAsync(timeout))}.
     */
    public CompletableFuture<JobHandle> runAsync(Workflow workflow, List<InputImage> images, RunOptions options) {
        ObjectNode body = body(workflow, images, options);
        return submissions().postAsync(path("/run"), body, keyOf(options))
                .thenApply(answer -> new JobHandle(this, submittedId(answer), true));
    }

    /** {@link #run(Workflow, List, RunOptions)} without images and with default options. */
    public JobHandle run(Workflow workflow) {
        return run(workflow, List.of(), RunOptions.defaults());
    }

    /**
     * Submits a workflow with {@code POST /runsync} and waits up to {@code timeout} for its result. The server
     * holds the request up to 90 s (RunPod's limit); a longer job is then followed like {@link JobHandle#await}.
     *
     * @throws JobFailedException      when the job FAILED
     * @throws JobCancelledException   when it was cancelled
     * @throws JobTimedOutException    when the server timed it out or {@code timeout} passed first
     * @throws RequestRejectedException when the server refuses the request
     */
    public JobResult runSync(Workflow workflow, List<InputImage> images, RunOptions options, Duration timeout) {
        return runSync(body(workflow, images, options), keyOf(options), timeout);
    }

    private JobResult runSync(ObjectNode body, String idempotencyKey, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long holdMs = Math.max(1_000, Math.min(timeout.toMillis(), 90_000));
        // a keyed repeat is safe until the caller's own timeout: a held /runsync cut after 60 s is sent again
        var answer = submissions().post(path("/runsync?wait=" + holdMs), body, idempotencyKey,
                Duration.ofMillis(holdMs).plus(client.requestTimeout()), timeout);
        JobStatus status = JobStatus.parse(answer, null);
        JobHandle handle = new JobHandle(this, requireId(status.id()), true);
        if (status.state().isTerminal()) {
            return handle.finish(status);
        }
        return handle.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** A handle on an existing job, e.g. one submitted by another process; no request is made. */
    public JobHandle job(String jobId) {
        return new JobHandle(this, requireId(jobId), false);
    }

    /**
     * The job's status now ({@code GET /status/{id}}).
     *
     * @throws NotFoundException when the job does not exist (any more)
     */
    public JobStatus status(String jobId) {
        requireId(jobId);
        return JobStatus.parse(client.transport().get(path("/status/" + enc(jobId)), jobId), jobId);
    }

    /** Job and worker counts ({@code GET /health}). */
    public Health health() {
        return Health.parse(client.transport().get(path("/health"), null));
    }

    /** Removes every queued job ({@code POST /purge-queue}); running jobs go on. Returns how many were removed. */
    public int purgeQueue() {
        return client.transport().post(path("/purge-queue"), null, null).path("removed").asInt(0);
    }

    ObjectNode body(Workflow workflow, List<InputImage> images, RunOptions options) {
        Objects.requireNonNull(workflow, "workflow");
        ObjectNode body = Transport.JSON.createObjectNode();
        body.putObject("input").set("workflow", workflow.nodes());
        return withRest(body, images, options);
    }

    ObjectNode body(Template template, List<InputImage> images, RunOptions options) {
        Objects.requireNonNull(template, "template");
        ObjectNode body = Transport.JSON.createObjectNode();
        template.writeTo(body.putObject("input"));
        return withRest(body, images, options);
    }

    private static ObjectNode withRest(ObjectNode body, List<InputImage> images, RunOptions options) {
        ObjectNode input = (ObjectNode) body.get("input");
        if (images != null && !images.isEmpty()) {
            ArrayNode list = input.putArray("images");
            for (InputImage image : images) {
                list.addObject().put("name", image.name()).put("image", image.base64());
            }
        }
        (options == null ? RunOptions.defaults() : options).applyTo(body, input);
        return body;
    }

    private Submissions submissions() {
        return new Submissions(client.transport(), client.pollInterval(), client.requestTimeout());
    }

    private static String keyOf(RunOptions options) {
        return options == null ? null : options.idempotencyKey();
    }

    /**
     * The job id a {@code /run} answer gives; an answer without one (a proxy's page, another API) is an error
     * saying so, not a blank id.
     */
    private String submittedId(JsonNode answer) {
        JsonNode id = answer.path("id");
        if (!id.isString() || id.asString().isBlank()) {
            throw new ComfyFleetException("POST " + client.transport().uri(path("/run"))
                    + " answered without a job id (\"id\"): " + Transport.abbreviate(answer.toString())
                    + "; is the base URL a ComfyFleet gateway or RunPod (.../v2)?", null, 200, null, null);
        }
        return id.asString();
    }

    private static String requireId(String jobId) {
        if (jobId == null || jobId.isBlank()) {
            throw new IllegalArgumentException("a job id must not be blank");
        }
        return jobId;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    String path(String rest) {
        return root + rest;
    }

    Transport transport() {
        return client.transport();
    }

    ComfyFleetClient client() {
        return client;
    }

    boolean eventsMayWork() {
        return client.useEvents() && !eventsAbsent.get();
    }

    void eventsAbsent() {
        eventsAbsent.set(true);
    }
}
