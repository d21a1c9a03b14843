package io.comfyfleet.emulator.http;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.faults.FaultPlan;
import io.comfyfleet.emulator.faults.FaultPlanJson;
import io.comfyfleet.emulator.faults.Faults;
import io.comfyfleet.emulator.faults.StalledRoute;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The emulator's own control route (real ComfyUI has none): GET, POST and DELETE {@code /emulator/faults}.
 * POST replaces the node fault plan and the stalled routes ({@code {"stall": {"routes": ["POST /prompt"]}}}), and
 * runs the one-shot actions {@code drop_websocket} ({@code {"after_frames": N}}, 0 = now) and {@code exit_now}
 * ({@code {"code": 3, "halt": true}}).
 */
final class FaultRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(FaultRoutes.class);
    private final Faults faults;
    private final WsHub hub;

    FaultRoutes(Faults faults, WsHub hub) {
        this.faults = faults;
        this.hub = hub;
    }

    void get(Context ctx) {
        ObjectNode answer = written(faults.plan());
        if (faults.heldRequests() > 0) {
            answer.put("held_requests", faults.heldRequests());
        }
        String hanging = faults.hangingNode();
        if (hanging != null) {
            answer.put("hanging_node", hanging);
        }
        Answers.json(ctx, answer);
    }

    void post(Context ctx) {
        Optional<JsonNode> body = Answers.body(ctx);
        FaultPlan plan;
        List<StalledRoute> stalled;
        try {
            plan = FaultPlanJson.parse(body.orElse(null));
            stalled = FaultPlanJson.stalledRoutes(body.orElse(null));
        } catch (IllegalArgumentException e) {
            ObjectNode error = Json.MAPPER.createObjectNode();
            error.put("error", e.getMessage());
            Answers.json(ctx, 400, error);
            return;
        }
        faults.replace(plan);
        faults.stall(stalled);
        LOG.warn("fault plan replaced: {}", written(plan));
        JsonNode drop = body.get().get("drop_websocket");
        if (drop != null && drop.isObject()) {
            hub.dropAfter(drop.path("after_frames").asInt(0));
        }
        JsonNode exitNow = body.get().get("exit_now");
        Answers.json(ctx, written(plan));
        if (exitNow != null && exitNow.isObject()) {
            exitSoon(exitNow.path("code").asInt(1), exitNow.path("halt").asBoolean(false));
        }
    }

    void delete(Context ctx) {
        faults.replace(FaultPlan.NONE);
        faults.stall(List.of());
        Answers.json(ctx, FaultPlanJson.write(FaultPlan.NONE));
    }

    /** The plan as JSON, with the stalled routes when there are any. */
    private ObjectNode written(FaultPlan plan) {
        ObjectNode json = FaultPlanJson.write(plan);
        if (!faults.stalledRoutes().isEmpty()) {
            var routes = json.putObject("stall").putArray("routes");
            faults.stalledRoutes().forEach(r -> routes.add(r.toString()));
        }
        return json;
    }

    /** After the answer is on its way, so the caller learns the knob was accepted. */
    private static void exitSoon(int code, boolean halt) {
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("fault knob: exiting now with status {}", code);
            if (halt) {
                Runtime.getRuntime().halt(code);
            }
            System.exit(code);
        });
    }
}
