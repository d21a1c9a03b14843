package io.comfyfleet.emulator.faults;

import io.comfyfleet.common.json.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a {@link FaultPlan} used by {@code POST /emulator/faults}:
 * <pre>
 * {"fail": {"node": "KSampler", "step": 3},
 *  "oom":  {"node": "8"},
 *  "hang": {"node": "3", "step": 0, "ignore_interrupt": false},
 *  "exit": {"node": "KSampler", "step": 5, "code": 137, "halt": true},
 *  "stall": {"routes": ["POST /prompt"]}}
 * </pre>
 * Every key is optional; the posted object replaces the whole plan.
 */
public final class FaultPlanJson {
    private FaultPlanJson() {}

    /** @throws IllegalArgumentException naming the key that is wrong and what it should hold */
    public static FaultPlan parse(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("the fault plan must be a JSON object with optional keys fail, oom, hang, exit");
        }
        for (String key : json.propertyNames()) {
            if (!java.util.Set.of("fail", "oom", "hang", "exit", "drop_websocket", "exit_now", "stall").contains(key)) {
                throw new IllegalArgumentException("unknown fault '" + key
                        + "'; known: fail, oom, hang, exit, drop_websocket, exit_now, stall");
            }
        }
        JsonNode exit = json.path("exit");
        return new FaultPlan(fault(json, "fail"), fault(json, "oom"), fault(json, "hang"),
                json.path("hang").path("ignore_interrupt").asBoolean(false), fault(json, "exit"),
                exit.path("code").asInt(1), exit.path("halt").asBoolean(false));
    }

    /**
     * The {@code stall} knob's routes: {@code {"routes": ["POST /prompt", "GET /history"]}}; none when absent.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static List<StalledRoute> stalledRoutes(JsonNode json) {
        JsonNode stall = json == null ? null : json.get("stall");
        if (stall == null || stall.isNull()) {
            return List.of();
        }
        if (!stall.path("routes").isArray()) {
            throw new IllegalArgumentException("fault 'stall' needs {\"routes\": [\"POST /prompt\", ...]}");
        }
        List<StalledRoute> routes = new ArrayList<>();
        for (JsonNode route : stall.get("routes")) {
            routes.add(StalledRoute.parse(route.isString() ? route.asString() : route.toString()));
        }
        return routes;
    }

    public static ObjectNode write(FaultPlan plan) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        put(json, "fail", plan.fail());
        put(json, "oom", plan.outOfMemory());
        put(json, "hang", plan.hang());
        if (plan.hang() != null) {
            ((ObjectNode) json.get("hang")).put("ignore_interrupt", plan.hangIgnoresInterrupt());
        }
        put(json, "exit", plan.exit());
        if (plan.exit() != null) {
            ((ObjectNode) json.get("exit")).put("code", plan.exitCode()).put("halt", plan.halt());
        }
        return json;
    }

    private static NodeFault fault(JsonNode json, String key) {
        JsonNode spec = json.get(key);
        if (spec == null || spec.isNull()) {
            return null;
        }
        if (!spec.isObject() || !spec.path("node").isString()) {
            throw new IllegalArgumentException("fault '" + key + "' needs {\"node\": \"<class_type or node id>\", "
                    + "\"step\": <int, default 0>}");
        }
        JsonNode step = spec.path("step");
        if (!step.isMissingNode() && !step.isIntegralNumber()) {
            throw new IllegalArgumentException("fault '" + key + "'.step must be an integer, got " + step);
        }
        return new NodeFault(spec.get("node").asString(), step.asInt(0));
    }

    private static void put(ObjectNode json, String key, NodeFault fault) {
        if (fault != null) {
            json.putObject(key).put("node", fault.node()).put("step", fault.step());
        }
    }
}
