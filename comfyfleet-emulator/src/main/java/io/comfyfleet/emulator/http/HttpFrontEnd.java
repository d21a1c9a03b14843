package io.comfyfleet.emulator.http;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.admission.PromptAdmission;
import io.comfyfleet.emulator.engine.Engine;
import io.comfyfleet.emulator.faults.Faults;
import io.comfyfleet.emulator.files.FileStore;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.websocket.WsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The emulated ComfyUI's HTTP and WebSocket surface on Javalin: every route at {@code /x} and {@code /api/x},
 * the origin check, {@code /ws}, and the emulator's {@code /emulator/faults} control route.
 */
public final class HttpFrontEnd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpFrontEnd.class);
    private static final long MAX_UPLOAD_BYTES = 100L * 1024 * 1024;
    /** How often a stalled request looks whether the knob was lifted. */
    private static final long STALL_CHECK_MS = 20;

    private final WsHub hub;
    private final Engine engine;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Javalin app;
    /** Set by {@link #close()}: lets go of the requests a stall holds, so stopping is not held up by them. */
    private volatile boolean closing;

    /**
     * @param gateUntilReady when true, requests are accepted at once but wait until {@link #markReady()}
     *                       (the "answers late at startup" mode); otherwise the caller binds only when ready
     */
    public HttpFrontEnd(Engine engine, WsHub hub, FileStore files, PromptAdmission admission, Faults faults, List<String> argv,
            boolean gateUntilReady) {
        this.engine = engine;
        this.hub = hub;
        PromptRoutes prompts = new PromptRoutes(engine, admission);
        InfoRoutes info = new InfoRoutes(engine, argv);
        FileRoutes fileRoutes = new FileRoutes(files);
        FaultRoutes faultRoutes = new FaultRoutes(faults, hub);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_UPLOAD_BYTES;
            RoutesConfig routes = config.routes;
            routes.before(ctx -> {
                if (gateUntilReady) {
                    ready.await();
                }
                OriginGuard.check(ctx);
                holdIfStalled(ctx, faults);
            });
            routes.wsBeforeUpgrade(OriginGuard::check);
            both(routes, routes::post, "/prompt", prompts::postPrompt);
            both(routes, routes::get, "/prompt", prompts::getPrompt);
            both(routes, routes::get, "/queue", prompts::getQueue);
            both(routes, routes::post, "/queue", prompts::postQueue);
            both(routes, routes::get, "/history", prompts::getHistory);
            both(routes, routes::get, "/history/{prompt_id}", prompts::getHistoryEntry);
            both(routes, routes::post, "/history", prompts::postHistory);
            both(routes, routes::post, "/interrupt", prompts::postInterrupt);
            both(routes, routes::post, "/free", prompts::postFree);
            both(routes, routes::get, "/object_info", info::objectInfo);
            both(routes, routes::get, "/object_info/{node_class}", info::objectInfoOne);
            both(routes, routes::get, "/system_stats", info::systemStats);
            both(routes, routes::get, "/features", info::features);
            both(routes, routes::get, "/embeddings", info::embeddings);
            both(routes, routes::get, "/models", info::models);
            both(routes, routes::get, "/models/{folder}", info::modelsIn);
            both(routes, routes::get, "/view", fileRoutes::view);
            both(routes, routes::post, "/upload/image", fileRoutes::uploadImage);
            both(routes, routes::post, "/upload/mask", fileRoutes::uploadMask);
            routes.get("/emulator/faults", faultRoutes::get);
            routes.post("/emulator/faults", faultRoutes::post);
            routes.delete("/emulator/faults", faultRoutes::delete);
            routes.ws("/ws", this::socket);
            routes.ws("/api/ws", this::socket);
        });
    }

    /** Binds the port; returns the bound port. */
    public int start(String host, int port) {
        app.start(host, port);
        return app.port();
    }

    /** Lets gated requests through (startup delay over). */
    public void markReady() {
        ready.countDown();
    }

    /** Fault knob for in-process callers: close every socket after {@code frames} frames (0 = now). */
    public void dropWebSockets(int frames) {
        hub.dropAfter(frames);
    }

    public int port() {
        return app.port();
    }

    private void socket(WsConfig ws) {
        ws.onConnect(ctx -> {
            String clientId = ctx.queryParam("clientId");
            String sid = clientId == null || clientId.isEmpty() ? UUID.randomUUID().toString().replace("-", "") : clientId;
            ctx.attribute("sid", sid);
            ctx.session.setIdleTimeout(java.time.Duration.ZERO);
            // ComfyUI answers a connect in one event-loop turn: the node executing at that moment, not
            // one the engine reaches while this thread is still sending the greeting.
            var executingNow = engine.executingNodeFor(sid);
            List<WsHub.Greeting> greeting = new ArrayList<>();
            ObjectNode status = Json.MAPPER.createObjectNode();
            status.set("status", engine.queueInfo());
            status.put("sid", sid);
            greeting.add(new WsHub.Greeting("status", status));
            executingNow.ifPresent(node -> {
                ObjectNode executing = Json.MAPPER.createObjectNode();
                executing.put("node", node);
                greeting.add(new WsHub.Greeting("executing", executing));
            });
            hub.connected(sid, ctx, greeting);
        });
        ws.onMessage(ctx -> {
            String sid = ctx.attribute("sid");
            if (Boolean.TRUE.equals(ctx.attribute("negotiated"))) {
                return;
            }
            ctx.attribute("negotiated", Boolean.TRUE);
            try {
                JsonNode message = Json.MAPPER.readTree(ctx.message());
                if ("feature_flags".equals(message.path("type").asString(""))) {
                    hub.negotiated(sid, message.path("data").path("supports_preview_metadata").asBoolean(false));
                    hub.sendTo(ctx, "feature_flags", InfoRoutes.features());
                }
            } catch (RuntimeException e) {
                LOG.debug("ignoring a client frame that is not JSON", e);
            }
        });
        ws.onClose(ctx -> hub.closed(ctx.attribute("sid"), ctx));
        ws.onError(ctx -> LOG.debug("WebSocket error", ctx.error()));
    }

    /**
     * The {@code stall} knob: a request to a stalled route gets no answer while the knob holds it, like one to a
     * ComfyUI whose event loop is stuck (the connection is accepted, nothing comes back). Lifting the knob lets it
     * through, late.
     */
    private void holdIfStalled(Context ctx, Faults faults) throws InterruptedException {
        String method = ctx.method().name();
        String path = ctx.path().startsWith("/api/") ? ctx.path().substring("/api".length()) : ctx.path();
        if (!faults.stalls(method, path)) {
            return;
        }
        LOG.warn("fault knob: {} {} gets no answer", method, ctx.path());
        faults.holding(true);
        try {
            while (!closing && faults.stalls(method, path)) {
                Thread.sleep(STALL_CHECK_MS);
            }
        } finally {
            faults.holding(false);
        }
    }

    private static void both(RoutesConfig routes, BiConsumer<String, Handler> method, String path, Handler handler) {
        method.accept(path, handler);
        method.accept("/api" + path, handler);
    }


    @Override
    public void close() {
        closing = true;
        markReady();
        app.stop();
        hub.close();
    }
}
