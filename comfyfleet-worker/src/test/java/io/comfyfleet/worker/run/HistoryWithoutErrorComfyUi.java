package io.comfyfleet.worker.run;

import io.comfyfleet.common.json.Json;
import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A ComfyUI that runs every prompt into a failure it does not explain: its socket sends {@code execution_start} and
 * the end marker ({@code executing} with node null) but no terminal event, and its history entry says
 * {@code status_str: "error"} with no {@code execution_error} among its messages (a history entry missing fields).
 * Everything else (node catalogue, system stats) is the recorded ComfyUI 0.3.64's.
 */
final class HistoryWithoutErrorComfyUi implements AutoCloseable {
    private static final Path CAPTURES = Path.of("..", "contracts", "comfyui", "captures", "cpu-0.3.64");
    private final Map<String, WsContext> sockets = new ConcurrentHashMap<>();
    private final Map<String, ObjectNode> history = new ConcurrentHashMap<>();
    private final Javalin app;

    HistoryWithoutErrorComfyUi() {
        JsonNode objectInfo = recorded("GET_object_info.json");
        JsonNode systemStats = recorded("GET_system_stats.json");
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.get("/object_info", ctx -> ctx.contentType("application/json").result(objectInfo.toString()));
            cfg.routes.get("/system_stats", ctx -> ctx.contentType("application/json").result(systemStats.toString()));
            cfg.routes.get("/queue", ctx -> ctx.contentType("application/json")
                    .result("{\"queue_running\":[],\"queue_pending\":[]}"));
            cfg.routes.get("/history/{id}", ctx -> {
                ObjectNode answer = Json.MAPPER.createObjectNode();
                ObjectNode entry = history.get(ctx.pathParam("id"));
                if (entry != null) {
                    answer.set(ctx.pathParam("id"), entry);
                }
                ctx.contentType("application/json").result(answer.toString());
            });
            cfg.routes.post("/prompt", ctx -> {
                JsonNode body = Json.MAPPER.readTree(ctx.body());
                String id = body.get("prompt_id").asString();
                ObjectNode entry = Json.MAPPER.createObjectNode();
                entry.putArray("prompt");
                entry.putObject("outputs");
                entry.putObject("status").put("status_str", "error").put("completed", false).putArray("messages");
                entry.putObject("meta");
                history.put(id, entry);
                ctx.contentType("application/json").result("{\"prompt_id\":\"" + id + "\",\"number\":1,\"node_errors\":{}}");
                WsContext socket = sockets.get(body.path("client_id").asString(""));
                if (socket != null) {
                    socket.send("{\"type\":\"execution_start\",\"data\":{\"prompt_id\":\"" + id + "\",\"timestamp\":1}}");
                    socket.send("{\"type\":\"executing\",\"data\":{\"node\":null,\"prompt_id\":\"" + id + "\"}}");
                }
            });
            cfg.routes.ws("/ws", ws -> ws.onConnect(ctx -> {
                String id = ctx.queryParam("clientId");
                sockets.put(id, ctx);
                ctx.send("{\"type\":\"status\",\"data\":{\"status\":{\"exec_info\":{\"queue_remaining\":0}},\"sid\":\""
                        + id + "\"}}");
            }));
        }).start("127.0.0.1", 0);
    }

    private static JsonNode recorded(String name) {
        return Json.MAPPER.readTree(CAPTURES.resolve(name).toFile()).get("body");
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + app.port());
    }

    @Override
    public void close() {
        app.stop();
    }
}
