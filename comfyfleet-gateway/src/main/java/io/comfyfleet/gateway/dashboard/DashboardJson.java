package io.comfyfleet.gateway.dashboard;

import io.comfyfleet.core.endpoint.EndpointSettings;
import io.comfyfleet.core.endpoint.RolloutStatus;
import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.JobCounts;
import io.comfyfleet.gateway.admin.EndpointAdmin;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.dispatch.ProvidedWorker;
import io.comfyfleet.gateway.dispatch.WorkerCounts;
import io.comfyfleet.gateway.dispatch.WorkerDetails;
import io.comfyfleet.gateway.dispatch.WorkerFailure;
import io.comfyfleet.gateway.jobs.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The dashboard's JSON shapes. Times are milliseconds; instants ISO-8601. */
final class DashboardJson {
    static final int MAX_ERROR_CHARS = 300;

    private DashboardJson() {}

    static ObjectNode object() {
        return Json.mapper().createObjectNode();
    }

    /** Settings (never keys or secrets) and counts. */
    static ObjectNode endpoint(EndpointConfig e, JobCounts jobs, WorkerCounts w) {
        ObjectNode node = object();
        node.put("name", e.name());
        ObjectNode settings = node.putObject("settings");
        settings.put("executionTimeoutMs", e.executionTimeout().toMillis());
        settings.put("ttlMs", e.ttl().toMillis());
        settings.put("maxRetries", e.maxRetries());
        settings.put("minWorkers", e.minWorkers());
        settings.put("maxWorkers", e.maxWorkers());
        settings.put("idleTimeoutMs", e.idleTimeout().toMillis());
        settings.put("scalerType", e.scalerType().name());
        settings.put("scalerValue", e.scalerValue());
        settings.put("webhooksSigned", e.webhookSecret().isPresent());
        node.putObject("jobs")
                .put("inQueue", jobs.inQueue())
                .put("inProgress", jobs.inProgress())
                .put("completed", jobs.completed())
                .put("failed", jobs.failed())
                .put("retried", jobs.retried());
        node.putObject("workers")
                .put("idle", w.idle())
                .put("running", w.running())
                .put("initializing", w.initializing())
                .put("throttled", w.throttled())
                .put("unhealthy", w.unhealthy());
        return node;
    }

    /** The endpoint's last worker that gave up, as {@code /health} shows it, with how long ago. */
    static void lastWorkerFailure(ObjectNode card, WorkerFailure f, Instant now) {
        card.putObject("lastWorkerFailure")
                .put("workerId", f.workerId())
                .put("check", f.check())
                .put("reason", f.reason())
                .put("at", f.at().toString())
                .put("agoMs", Math.max(0, Duration.between(f.at(), now).toMillis()));
    }

    /**
     * The stored settings in force (over the file's), the image, the version being rolled to and the roll-out's
     * progress.
     */
    static void versions(ObjectNode card, Optional<EndpointSettings> stored, Optional<RolloutStatus> rollout) {
        stored.ifPresent(s -> {
            ObjectNode settings = (ObjectNode) card.get("settings");
            settings.put("minWorkers", s.minWorkers());
            settings.put("maxWorkers", s.maxWorkers());
            settings.put("idleTimeoutMs", s.idleTimeout().toMillis());
            settings.put("scalerType", s.scalerType());
            settings.put("scalerValue", s.scalerValue());
            settings.put("maxSurge", s.maxSurge());
            card.put("image", s.image());
        });
        card.put("version", rollout.map(EndpointAdmin::serving).orElse(stored.map(EndpointSettings::image).orElse(null)));
        rollout.ifPresentOrElse(r -> card.set("rollout", EndpointAdmin.rolloutJson(r)), () -> card.putNull("rollout"));
    }

    /** A worker the provider started that has not called the gateway yet (or is being stopped before it did). */
    static ObjectNode providedWorker(String endpoint, String id, ProvidedWorker p, Optional<Duration> coldStart, Instant now) {
        ObjectNode node = object();
        node.put("id", id);
        node.put("endpoint", endpoint);
        node.put("state", p.state());
        node.put("uptimeMs", Math.max(0, Duration.between(p.startedAt(), now).toMillis()));
        node.putNull("lastSeenMsAgo");
        if (coldStart.isPresent()) {
            node.put("coldStartMs", coldStart.get().toMillis());
        } else {
            node.putNull("coldStartMs");
        }
        node.putArray("jobs");
        node.putNull("lastJob");
        node.put("stopRequested", false);
        node.put("problem", p.problem());
        return node;
    }

    static ObjectNode worker(String endpoint, WorkerDetails w, Optional<Duration> coldStart, Instant now) {
        return worker(endpoint, w, w.state(), coldStart, now);
    }

    /** @param state the worker's state, the provider's when it knows the worker is stopping or gone */
    static ObjectNode worker(String endpoint, WorkerDetails w, String state, Optional<Duration> coldStart, Instant now) {
        ObjectNode node = object();
        node.put("id", w.workerId());
        node.put("endpoint", endpoint);
        node.put("state", state);
        node.put("uptimeMs", Math.max(0, Duration.between(w.firstSeen(), now).toMillis()));
        node.put("lastSeenMsAgo", Math.max(0, Duration.between(w.lastSeen(), now).toMillis()));
        if (coldStart.isPresent()) {
            node.put("coldStartMs", coldStart.get().toMillis());
        } else {
            node.putNull("coldStartMs");
        }
        var jobs = node.putArray("jobs");
        w.jobs().forEach(jobs::add);
        node.put("lastJob", w.lastJob());
        node.put("stopRequested", w.stopRequested());
        return node;
    }

    /** A jobs-table row; a running job also gets its progress as the worker reported it. */
    static ObjectNode job(Job job, Instant now) {
        ObjectNode node = object();
        node.put("id", job.id());
        node.put("endpoint", job.endpoint());
        node.put("status", job.state().name());
        node.put("createdAt", job.createdAt().toString());
        node.put("delayTime", job.delayTimeMillis(now));
        node.put("executionTime", job.executionTimeMillis(now));
        node.put("workerId", job.workerId());
        node.put("retries", job.retries());
        if (job.error() != null) {
            node.put("error", job.error().length() <= MAX_ERROR_CHARS ? job.error()
                    : job.error().substring(0, MAX_ERROR_CHARS) + "...");
        }
        if (job.state() == io.comfyfleet.core.job.JobState.IN_PROGRESS) {
            progress(job.outputJson()).ifPresent(p -> node.set("progress", p));
        }
        return node;
    }

    /** Everything the detail view shows of one job; the error in full, outputs as the page can show them. */
    static ObjectNode jobDetail(Job job, Instant now) {
        ObjectNode node = job(job, now);
        if (job.error() != null) {
            node.put("error", job.error());
        }
        node.put("maxRetries", job.maxRetries());
        if (job.startedAt() != null) {
            node.put("startedAt", job.startedAt().toString());
        }
        if (job.finishedAt() != null) {
            node.put("finishedAt", job.finishedAt().toString());
        }
        var nodes = node.putArray("nodes");
        JsonNode workflow = parse(job.inputJson()).path("input").path("workflow");
        if (!workflow.isObject()) {
            workflow = parse(job.inputJson()).path("workflow");
        }
        for (var e : workflow.properties()) {
            nodes.add(object().put("id", e.getKey()).put("classType", e.getValue().path("class_type").asString("?")));
        }
        var outputs = node.putArray("outputs");
        if (job.state() == io.comfyfleet.core.job.JobState.COMPLETED) {
            JsonNode out = parse(job.outputJson());
            JsonNode files = out.path("outputs").isArray() ? out.get("outputs") : out.path("images");
            for (JsonNode f : files) {
                ObjectNode o = object();
                o.put("filename", f.path("filename").asString("output"));
                String mime = f.path("mime_type").asString(mimeOf(o.path("filename").asString()));
                o.put("mimeType", mime);
                if (f.path("url").isString() || "s3_url".equals(f.path("type").asString(""))) {
                    o.put("url", f.path("url").isString() ? f.get("url").asString() : f.path("data").asString());
                } else if (f.path("data").isString() && f.get("data").asString().length() <= MAX_INLINE_OUTPUT) {
                    String data = f.get("data").asString();
                    o.put("dataUri", data.startsWith("data:") ? data : "data:" + mime + ";base64," + data);
                }
                outputs.add(o);
            }
        }
        return node;
    }

    /** Inline outputs larger than this (base64 characters) are listed without their data. */
    static final int MAX_INLINE_OUTPUT = 8 * 1024 * 1024;

    private static String mimeOf(String filename) {
        String f = filename.toLowerCase(java.util.Locale.ROOT);
        if (f.endsWith(".png")) return "image/png";
        if (f.endsWith(".jpg") || f.endsWith(".jpeg")) return "image/jpeg";
        if (f.endsWith(".webp")) return "image/webp";
        if (f.endsWith(".gif")) return "image/gif";
        if (f.endsWith(".mp4")) return "video/mp4";
        if (f.endsWith(".webm")) return "video/webm";
        if (f.endsWith(".wav")) return "audio/wav";
        if (f.endsWith(".mp3")) return "audio/mpeg";
        if (f.endsWith(".flac")) return "audio/flac";
        return "application/octet-stream";
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return object();
        }
        try {
            return Json.mapper().readTree(json);
        } catch (JacksonException e) {
            return object();
        }
    }

    /**
     * The worker's progress update ({@code percent, node_id, node_type, step, max_steps}) without its preview
     * frame; empty when the output is not one (a worker that reports something else, or nothing yet).
     */
    static Optional<ObjectNode> progress(String outputJson) {
        if (outputJson == null) {
            return Optional.empty();
        }
        JsonNode out;
        try {
            out = Json.mapper().readTree(outputJson);
        } catch (JacksonException e) {
            return Optional.empty();
        }
        if (!out.isObject() || !out.path("percent").isNumber()) {
            return Optional.empty();
        }
        ObjectNode p = object();
        p.put("percent", out.path("percent").asDouble());
        copy(out, p, "node_id", "nodeId");
        copy(out, p, "node_type", "nodeType");
        copy(out, p, "step", "step");
        copy(out, p, "max_steps", "maxSteps");
        copy(out, p, "nodes_done", "nodesDone");
        copy(out, p, "nodes_total", "nodesTotal");
        return Optional.of(p);
    }

    static ObjectNode point(Instant at, FleetHistory.Point p) {
        return object()
                .put("t", at.toEpochMilli())
                .put("queued", p.queued())
                .put("inProgress", p.inProgress())
                .put("workers", p.workersReady())
                .put("running", p.workersRunning())
                .put("starting", p.workersStarting());
    }

    /** Delay and execution percentiles of one bucket; a missing percentile (no job) is null. */
    static ObjectNode times(JobTimes.Bucket b) {
        ObjectNode node = object().put("t", b.start().toEpochMilli()).put("delays", b.delays())
                .put("executions", b.executions());
        node.put("delayP50", b.delayP50());
        node.put("delayP95", b.delayP95());
        node.put("executionP50", b.executionP50());
        node.put("executionP95", b.executionP95());
        return node;
    }

    static ObjectNode coldStart(JobTimes.Event e) {
        return object().put("t", e.at().toEpochMilli()).put("ms", e.millis()).put("endpoint", e.endpoint())
                .put("workerId", e.workerId());
    }

    private static void copy(JsonNode from, ObjectNode to, String name, String as) {
        JsonNode v = from.get(name);
        if (v != null && (v.isNumber() || v.isString())) {
            to.set(as, v);
        }
    }
}
