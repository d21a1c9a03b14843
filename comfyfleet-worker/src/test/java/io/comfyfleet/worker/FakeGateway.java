package io.comfyfleet.worker;

import io.comfyfleet.common.json.Json;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * A test fixture, not product code: a tiny gateway on 127.0.0.1 that speaks the worker side of RunPod's
 * protocol, records every request, and has knobs to misbehave (refuse job-done, throttle job-take).
 */
public final class FakeGateway implements AutoCloseable {
    /** One request as the gateway saw it. */
    public record Request(String method, String path, Map<String, List<String>> query, String authorization,
                          String body, String upgrade) {
        public JsonNode json() {
            return Json.MAPPER.readTree(body);
        }

        public String param(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.getFirst();
        }
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public final BlockingQueue<String> jobs = new LinkedBlockingQueue<>();
    public final BlockingQueue<String> stops = new LinkedBlockingQueue<>();
    public final Map<String, byte[]> stored = new ConcurrentHashMap<>();
    /** job-done answers this status (instead of 200) for the next n calls that are not progress posts. */
    public final AtomicInteger failDoneTimes = new AtomicInteger();
    public volatile int failDoneStatus = 503;
    public volatile int takeStatus = 0;
    public volatile int stopStatus = 0;
    /** Catalogue bodies by digest, as reported to {@code /catalogue/}; a status other than 0 answers every report. */
    public final Map<String, byte[]> catalogues = new ConcurrentHashMap<>();
    public volatile int catalogueStatus = 0;
    private final Duration hold;
    private final Javalin app;

    public FakeGateway() {
        this(Duration.ofMillis(200));
    }

    public FakeGateway(Duration longPollHold) {
        this.hold = longPollHold;
        this.app = Javalin.create(c -> {
            c.http.maxRequestSize = 64L * 1024 * 1024;
            c.routes.get("/v2/{ep}/job-take/{worker}", ctx -> {
                record(ctx);
                if (takeStatus != 0) {
                    ctx.status(takeStatus);
                    return;
                }
                String job = jobs.poll(hold.toMillis(), TimeUnit.MILLISECONDS);
                if (job == null) {
                    ctx.status(204);
                } else {
                    ctx.contentType("application/json").result(job);
                }
            });
            c.routes.get("/v2/{ep}/job-stop/{worker}", ctx -> {
                record(ctx);
                if (stopStatus != 0) {
                    ctx.status(stopStatus);
                    return;
                }
                String id = stops.poll(hold.toMillis(), TimeUnit.MILLISECONDS);
                if (id == null) {
                    ctx.status(204);
                } else {
                    ctx.contentType("application/json").result("{\"jobsToStop\":[\"" + id + "\"]}");
                }
            });
            c.routes.post("/v2/{ep}/job-done/{worker}/{job}", ctx -> {
                Request r = record(ctx);
                boolean progress = r.body().contains("\"IN_PROGRESS\"");
                if (!progress && failDoneTimes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    ctx.status(failDoneStatus).result("{\"error\":\"scripted failure\"}");
                    return;
                }
                ctx.result("{}");
            });
            c.routes.post("/v2/{ep}/job-stream/{worker}/{job}", ctx -> {
                record(ctx);
                ctx.result("{}");
            });
            c.routes.post("/v2/{ep}/catalogue/{worker}", ctx -> {
                Request r = record(ctx);
                if (catalogueStatus != 0) {
                    ctx.status(catalogueStatus);
                    return;
                }
                String digest = ctx.queryParam("digest");
                if (!r.body().isEmpty()) {
                    catalogues.put(digest, ctx.bodyAsBytes());
                }
                ctx.contentType("application/json").result("{\"digest\":\"" + digest + "\",\"known\":"
                        + catalogues.containsKey(digest) + "}");
            });
            c.routes.get("/v2/{ep}/ping/{worker}", ctx -> {
                record(ctx);
                ctx.result("{}");
            });
            c.routes.put("/v2/{ep}/outputs/{job}/{file}", ctx -> {
                record(ctx);
                String key = ctx.pathParam("job") + "/" + ctx.pathParam("file");
                stored.put(key, ctx.bodyAsBytes());
                String encoded = java.net.URLEncoder.encode(ctx.pathParam("file"), java.nio.charset.StandardCharsets.UTF_8)
                        .replace("+", "%20");
                ctx.contentType("application/json").result("{\"url\":\"http://127.0.0.1:" + port() + "/files/"
                        + ctx.pathParam("job") + "/" + encoded + "\"}");
            });
            c.routes.get("/files/{job}/{file}", ctx -> {
                byte[] bytes = stored.get(ctx.pathParam("job") + "/" + ctx.pathParam("file"));
                if (bytes == null) {
                    ctx.status(404);
                } else {
                    ctx.result(bytes);
                }
            });
        }).start("127.0.0.1", 0);
    }

    private Request record(io.javalin.http.Context ctx) {
        String body = ctx.method().name().equals("PUT") ? "<" + ctx.bodyAsBytes().length + " bytes>" : ctx.body();
        Request r = new Request(ctx.method().name(), ctx.path(), ctx.queryParamMap(), ctx.header("Authorization"), body,
                ctx.header("Upgrade"));
        requests.add(r);
        return r;
    }

    public int port() {
        return app.port();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public List<Request> requests(String method, String pathPart) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().contains(pathPart)).toList();
    }

    @Override
    public void close() {
        app.stop();
    }
}
