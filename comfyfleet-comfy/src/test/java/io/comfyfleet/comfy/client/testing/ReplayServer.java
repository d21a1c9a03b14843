package io.comfyfleet.comfy.client.testing;

import io.comfyfleet.common.json.Json;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.UploadedFile;
import io.javalin.websocket.WsContext;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stand-in ComfyUI for tests that replays one real recording: POST /prompt answers what ComfyUI answered
 * (with the caller's prompt id), the socket of the caller's client id gets the recorded frames (ids
 * substituted), GET /history serves the recorded entry once the frames are out. Failure knobs: drop the
 * socket after N frames, answer {@code {}} to the first K history polls, keep the prompt pending until it is
 * dequeued. Refuses any request carrying an Origin header, as ComfyUI does on a loopback mismatch. Prompts
 * submitted one after another replay the recording again each. As in ComfyUI's {@code task_done}, the history
 * entry becomes readable after the terminal event and before the {@code status} / {@code executing null} that
 * follow it (optionally after a pause, as ComfyUI takes on a cold first run).
 */
public final class ReplayServer implements AutoCloseable {
    private final JsonNode recording;
    private final String folder;
    private final String recordedPromptId;
    private final String recordedClientId;
    private final int dropAfterFrames;
    private final boolean resumeAfterReconnect;
    private final int historyEmptyPolls;
    private final boolean stayPending;
    private final int silentAfterFrames;
    private final AtomicInteger historyFailuresLeft;
    private final java.util.Set<String> withheldTypes;
    private final long historyDelayNanos;
    private final Javalin app;

    private final Map<String, WsContext> sockets = new ConcurrentHashMap<>();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final List<JsonNode> interruptBodies = Collections.synchronizedList(new ArrayList<>());
    private final List<JsonNode> queueBodies = Collections.synchronizedList(new ArrayList<>());
    private final List<JsonNode> freeBodies = Collections.synchronizedList(new ArrayList<>());
    private final List<Map<String, String>> uploads = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger historyPollsAfterDone = new AtomicInteger();
    private final AtomicInteger connects = new AtomicInteger();
    private final AtomicBoolean originSeen = new AtomicBoolean();
    private final CountDownLatch interrupted;
    private volatile JsonNode promptBody;
    private volatile String promptId;
    private volatile String clientId;
    private volatile boolean started;
    private volatile boolean done;
    private volatile boolean pending;
    private volatile boolean stopped;
    private volatile Thread sender;
    private volatile long historyWrittenNanos;

    private ReplayServer(Builder b) {
        this.recording = Captures.load(b.folder, b.name);
        this.folder = b.folder;
        this.recordedPromptId = recording.path("response").path("prompt_id").asString(null);
        this.recordedClientId = Captures.clientId(recording);
        this.dropAfterFrames = b.dropAfterFrames;
        this.resumeAfterReconnect = b.resumeAfterReconnect;
        this.historyEmptyPolls = b.historyEmptyPolls;
        this.stayPending = b.stayPending;
        this.silentAfterFrames = b.silentAfterFrames;
        this.historyFailuresLeft = new AtomicInteger(b.historyFailures);
        this.interrupted = new CountDownLatch(b.interruptsNeeded);
        this.withheldTypes = java.util.Set.copyOf(b.withheldTypes);
        this.historyDelayNanos = b.historyDelay.toNanos();
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.before(ctx -> {
                if (ctx.header("Origin") != null) {
                    originSeen.set(true);
                    throw new ForbiddenResponse();
                }
                log.add(ctx.method() + " " + ctx.path());
            });
            cfg.routes.post("/prompt", this::postPrompt);
            cfg.routes.get("/prompt", ctx -> json(ctx, recorded("GET_prompt")));
            cfg.routes.get("/history/{id}", this::history);
            cfg.routes.get("/queue", this::queue);
            cfg.routes.post("/queue", ctx -> {
                JsonNode body = Json.MAPPER.readTree(ctx.body());
                queueBodies.add(body);
                for (JsonNode id : body.path("delete")) {
                    if (id.asString().equals(promptId)) {
                        pending = false;
                    }
                }
            });
            cfg.routes.post("/interrupt", ctx -> {
                interruptBodies.add(Json.MAPPER.readTree(ctx.body().isEmpty() ? "{}" : ctx.body()));
                interrupted.countDown();
            });
            cfg.routes.post("/free", ctx -> freeBodies.add(Json.MAPPER.readTree(ctx.body())));
            cfg.routes.get("/object_info", ctx -> json(ctx, recorded("GET_object_info")));
            cfg.routes.get("/system_stats", ctx -> json(ctx, recorded("GET_system_stats")));
            cfg.routes.get("/features", ctx -> json(ctx, recorded("GET_features")));
            cfg.routes.get("/view", this::view);
            cfg.routes.post("/upload/image", this::upload);
            cfg.routes.post("/upload/mask", this::upload);
            cfg.routes.ws("/ws", ws -> {
                ws.onConnect(ctx -> {
                    if (ctx.header("Origin") != null) {
                        originSeen.set(true);
                        ctx.closeSession(1008, "origin");
                        return;
                    }
                    String id = ctx.queryParam("clientId");
                    connects.incrementAndGet();
                    sockets.put(id, ctx);
                    // ComfyUI greets every socket with the queue length and its sid
                    ObjectNode status = Json.MAPPER.createObjectNode();
                    status.put("type", "status");
                    ObjectNode data = status.putObject("data");
                    data.putObject("status").putObject("exec_info").put("queue_remaining", started && !done ? 1 : 0);
                    data.put("sid", id);
                    ctx.send(status.toString());
                });
                ws.onClose(ctx -> sockets.computeIfPresent(ctx.queryParam("clientId"),
                        (id, current) -> current.sessionId().equals(ctx.sessionId()) ? null : current));
            });
        }).start("127.0.0.1", 0);
    }

    public static Builder replay(String folder, String name) {
        return new Builder(folder, name);
    }

    /** Knobs of a replay. */
    public static final class Builder {
        private final String folder;
        private final String name;
        private int dropAfterFrames = -1;
        private boolean resumeAfterReconnect;
        private int historyEmptyPolls;
        private boolean stayPending;
        private int silentAfterFrames = -1;
        private int historyFailures;
        private int interruptsNeeded = 1;
        private final java.util.Set<String> withheldTypes = new java.util.HashSet<>();
        private java.time.Duration historyDelay = java.time.Duration.ZERO;

        private Builder(String folder, String name) {
            this.folder = folder;
            this.name = name;
        }

        /** Close the socket after {@code n} replayed frames; the rest are lost (or resumed, see below). */
        public Builder dropSocketAfter(int n) {
            this.dropAfterFrames = n;
            return this;
        }

        /** After a drop, wait for the client to reconnect and send the remaining frames on the new socket. */
        public Builder resumeAfterReconnect() {
            this.resumeAfterReconnect = true;
            return this;
        }

        /** Answer {@code {}} to the first {@code k} history polls after the run ended. */
        public Builder historyEmptyFor(int k) {
            this.historyEmptyPolls = k;
            return this;
        }

        /** Accept the prompt but never start it: it stays pending until POST /queue deletes it. */
        public Builder stayPending() {
            this.stayPending = true;
            return this;
        }

        /**
         * Stop sending this prompt's frames after {@code n} and end it unseen, but keep the socket open and
         * chatting (status and a custom monitor frame every 20 ms until the client closes it), as a connection
         * that lost the prompt's routing would.
         */
        public Builder goSilentAfter(int n) {
            this.silentAfterFrames = n;
            return this;
        }

        /** Lose the first interrupt, as ComfyUI does when it lands just before a prompt starts. */
        public Builder loseFirstInterrupt() {
            this.interruptsNeeded = 2;
            return this;
        }

        /** Answer the first {@code k} GET /history requests with 503, as a proxy in front of ComfyUI might. */
        public Builder historyFailsFor(int k) {
            this.historyFailures = k;
            return this;
        }

        /** Never send frames of these types (e.g. to lose the terminal event but keep the end marker). */
        public Builder withhold(String... types) {
            this.withheldTypes.addAll(List.of(types));
            return this;
        }

        /**
         * Write the history entry this long after the terminal event was sent, and only then send the frames
         * that follow it ({@code status}, {@code executing null}), as a ComfyUI busy in {@code task_done} does.
         */
        public Builder historyWrittenAfter(java.time.Duration delay) {
            this.historyDelay = delay;
            return this;
        }

        public ReplayServer start() {
            return new ReplayServer(this);
        }
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + app.port());
    }

    public List<String> requests() {
        return List.copyOf(log);
    }

    public JsonNode promptBody() {
        return promptBody;
    }

    public List<JsonNode> interruptBodies() {
        return List.copyOf(interruptBodies);
    }

    public List<JsonNode> queueBodies() {
        return List.copyOf(queueBodies);
    }

    public List<JsonNode> freeBodies() {
        return List.copyOf(freeBodies);
    }

    public List<Map<String, String>> uploads() {
        return List.copyOf(uploads);
    }

    public int connects() {
        return connects.get();
    }

    public boolean originSeen() {
        return originSeen.get();
    }

    /** {@link System#nanoTime()} when the last replay's history entry became readable, 0 before. */
    public long historyWrittenNanos() {
        return historyWrittenNanos;
    }

    public int historyPollsAfterDone() {
        return historyPollsAfterDone.get();
    }

    /** Sockets the server still holds open (the client closes its shared socket when its runner closes). */
    public long openSockets() {
        return sockets.values().stream().filter(s -> s.session.isOpen()).count();
    }

    @Override
    public void close() {
        stopped = true;
        Thread t = sender;
        if (t != null) {
            t.interrupt();
        }
        app.stop();
    }

    // ------------------------------------------------------------------ routes

    private void postPrompt(Context ctx) throws InterruptedException {
        Thread previous = sender;
        if (previous != null) {
            // the last frames of an earlier replay (after its terminal event) must not be sent as this prompt's
            previous.join(TimeUnit.SECONDS.toMillis(10));
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(ctx.body());
        } catch (RuntimeException e) {
            ctx.status(500).contentType("text/plain").result("500 Internal Server Error\n\nServer got itself in trouble");
            return;
        }
        promptBody = body;
        int status = recording.path("http_status").asInt(200);
        JsonNode response = recording.get("response");
        if (status != 200) {
            if (response.isString()) {
                ctx.status(status).contentType("text/plain; charset=utf-8").result(response.asString());
            } else {
                json(ctx.status(status), response);
            }
            return;
        }
        promptId = body.get("prompt_id").asString();
        clientId = body.path("client_id").asString(null);
        json(ctx, substitute(response));
        if (stayPending) {
            pending = true;
            return;
        }
        done = false; // a runner may replay the recording again, one prompt after another
        historyWrittenNanos = 0;
        historyPollsAfterDone.set(0);
        started = true;
        sender = Thread.ofVirtual().name("replay-" + promptId).start(this::sendFrames);
    }

    private void sendFrames() {
        try {
            int sent = 0;
            boolean terminalSent = false;
            JsonNode frames = recording.get("frames");
            for (int i = 0; i < frames.size(); i++) {
                JsonNode frame = frames.get(i);
                if (i == 0 && frame.path("text").path("data").has("sid")) {
                    continue; // the greeting, sent on connect
                }
                if (frame.has("sent_interrupt")) {
                    // the recorder interrupted here; wait for the client under test to do the same
                    interrupted.await(10, TimeUnit.SECONDS);
                    continue;
                }
                if (!frame.has("text") && !frame.has("binary") && !frame.has("other")) {
                    continue; // recorder notes such as GET_queue_during_run
                }
                if (sent == silentAfterFrames) {
                    done = true; // the prompt ends unseen; only its history tells
                    chatter();
                    break;
                }
                String type = frame.path("text").path("type").asString("");
                if (terminalSent && !done && (type.equals("status") || type.equals("executing"))) {
                    // task_done: the entry is written before the frames that follow the terminal event (also
                    // when those frames are withheld, i.e. lost on the way)
                    if (historyDelayNanos > 0) {
                        TimeUnit.NANOSECONDS.sleep(historyDelayNanos);
                    }
                    writeHistory();
                }
                terminalSent |= type.equals("execution_success") || type.equals("execution_error")
                        || type.equals("execution_interrupted"); // no recording has an ExecutionBlocked notice
                if (withheldTypes.contains(type)) {
                    continue;
                }
                if (sent == dropAfterFrames) {
                    WsContext socket = sockets.remove(clientId);
                    if (socket != null) {
                        socket.closeSession(1011, "replay drops the socket");
                    }
                    if (!resumeAfterReconnect) {
                        break;
                    }
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!sockets.containsKey(clientId) && System.nanoTime() < until) {
                        Thread.sleep(5);
                    }
                }
                WsContext socket = sockets.get(clientId);
                if (socket != null) {
                    send(socket, frame);
                }
                sent++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!done) {
                writeHistory();
            }
        }
    }

    private void writeHistory() {
        historyWrittenNanos = System.nanoTime();
        done = true;
    }

    /** After going silent about the prompt, keep broadcasting like a system-monitor custom node does. */
    private void chatter() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int i = 0; System.nanoTime() < until && !stopped; i++) {
            WsContext socket = sockets.get(clientId);
            if (socket == null || !socket.session.isOpen()) {
                return; // the client closed it
            }
            socket.send("{\"type\":\"crystools.monitor\",\"data\":{\"cpu_utilization\":" + i + "}}");
            socket.send("{\"type\":\"status\",\"data\":{\"status\":{\"exec_info\":{\"queue_remaining\":1}}}}");
            Thread.sleep(20);
        }
    }

    private void send(WsContext socket, JsonNode frame) {
        if (frame.has("text")) {
            socket.send(substitute(frame.get("text")).toString());
        } else if (frame.has("binary")) {
            socket.send(ByteBuffer.wrap(Captures.binaryFrame(frame.get("binary"))));
        } else {
            // recorded without bytes: a JPEG preview frame like the SlowProgress node sends
            socket.send(ByteBuffer.wrap(new byte[] {0, 0, 0, 1, 0, 0, 0, 1, (byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xd9}));
        }
    }

    private void history(Context ctx) {
        if (historyFailuresLeft.getAndDecrement() > 0) {
            ctx.status(503).result("upstream busy");
            return;
        }
        String id = ctx.pathParam("id");
        JsonNode history = recording.get("history");
        if (!id.equals(promptId) || !done || history == null || history.isEmpty()) {
            json(ctx, Json.MAPPER.createObjectNode());
            return;
        }
        if (historyPollsAfterDone.incrementAndGet() <= historyEmptyPolls) {
            json(ctx, Json.MAPPER.createObjectNode());
            return;
        }
        json(ctx, substitute(history));
    }

    private void queue(Context ctx) {
        ObjectNode q = Json.MAPPER.createObjectNode();
        var running = q.putArray("queue_running");
        var pendingItems = q.putArray("queue_pending");
        if (promptId != null && ((started && !done) || pending)) {
            var item = (started && !done ? running : pendingItems).addArray();
            item.add(recording.path("response").path("number").asInt()).add(promptId).add(promptBody.get("prompt"));
            item.addObject().put("client_id", clientId);
            item.addArray();
        }
        json(ctx, q);
    }

    private void view(Context ctx) {
        String filename = ctx.queryParam("filename");
        for (JsonNode v : recording.path("views")) {
            if (v.path("params").path("filename").asString().equals(filename)
                    && v.path("params").path("type").asString().equals(ctx.queryParam("type"))) {
                byte[] bytes = new byte[v.get("bytes").asInt()];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) i;
                }
                ctx.contentType(v.get("content_type").asString()).result(bytes);
                return;
            }
        }
        ctx.status(404).result("404: Not Found");
    }

    private void upload(Context ctx) {
        UploadedFile file = ctx.uploadedFile("image");
        if (file == null) {
            ctx.status(400);
            return;
        }
        Map<String, String> fields = new ConcurrentHashMap<>();
        fields.put("path", ctx.path());
        fields.put("filename", file.filename());
        fields.put("size", Long.toString(file.size()));
        fields.put("type", String.valueOf(ctx.formParam("type")));
        fields.put("subfolder", String.valueOf(ctx.formParam("subfolder")));
        fields.put("overwrite", String.valueOf(ctx.formParam("overwrite")));
        if (ctx.formParam("original_ref") != null) {
            fields.put("original_ref", ctx.formParam("original_ref"));
        }
        uploads.add(fields);
        ObjectNode answer = Json.MAPPER.createObjectNode().put("name", file.filename())
                .put("subfolder", ctx.formParam("subfolder")).put("type", ctx.formParam("type"));
        json(ctx, answer);
    }

    // ------------------------------------------------------------------ helpers

    private JsonNode recorded(String name) {
        JsonNode body = Captures.load(folder, name).get("body");
        return body.isString() ? Json.MAPPER.readTree(body.asString()) : body;
    }

    /** The recording with its prompt and client ids replaced by the caller's. */
    private JsonNode substitute(JsonNode node) {
        String text = node.toString();
        if (recordedPromptId != null && promptId != null) {
            text = text.replace(recordedPromptId, promptId);
        }
        if (recordedClientId != null && clientId != null) {
            text = text.replace(recordedClientId, clientId);
        }
        return Json.MAPPER.readTree(text);
    }

    private static void json(Context ctx, JsonNode body) {
        ctx.contentType("application/json; charset=utf-8").result(body.toString());
    }
}
