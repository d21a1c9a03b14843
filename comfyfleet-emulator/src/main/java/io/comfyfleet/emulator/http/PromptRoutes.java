package io.comfyfleet.emulator.http;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.admission.Admission;
import io.comfyfleet.emulator.admission.PromptAdmission;
import io.comfyfleet.emulator.engine.Engine;
import io.comfyfleet.emulator.engine.QueueItem;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** /prompt, /queue, /history, /interrupt and /free, answering as ComfyUI 0.3.64's server.py does. */
final class PromptRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(PromptRoutes.class);
    /** Stripped from extra_data before queueing (since 0.3.45). */
    private static final List<String> SENSITIVE = List.of("auth_token_comfy_org", "api_key_comfy_org");

    private final Engine engine;
    private final PromptAdmission admission;
    private final AtomicLong number = new AtomicLong();

    PromptRoutes(Engine engine, PromptAdmission admission) {
        this.engine = engine;
        this.admission = admission;
    }

    void postPrompt(Context ctx) {
        LOG.info("got prompt");
        Optional<JsonNode> parsed = Answers.body(ctx);
        if (parsed.isEmpty() || !(parsed.get().isObject() || parsed.get().isArray() || parsed.get().isString())) {
            Answers.serverError(ctx); // bad JSON, or a number/bool/null that Python's `in` cannot search
            return;
        }
        if (!parsed.get().isObject()) {
            number.getAndIncrement(); // a list or string has no "number" and no "prompt": counted, then no_prompt
            Answers.json(ctx, 400, error("no_prompt", "No prompt provided", "No prompt provided"));
            return;
        }
        JsonNode body = parsed.get();
        Number queueNumber;
        if (body.has("number")) {
            try {
                queueNumber = Double.parseDouble(body.get("number").isString() ? body.get("number").asString()
                        : body.get("number").toString());
            } catch (NumberFormatException e) {
                Answers.serverError(ctx);
                return;
            }
        } else {
            long next = number.getAndIncrement();
            queueNumber = Answers.truthy(body.get("front")) ? -next : next;
        }
        if (!body.has("prompt")) {
            Answers.json(ctx, 400, error("no_prompt", "No prompt provided", "No prompt provided"));
            return;
        }
        String promptId = promptId(body.get("prompt_id"));
        Admission decision = admission.admit(body.get("prompt"), body.get("partial_execution_targets"));
        ObjectNode extraData = body.get("extra_data") instanceof ObjectNode extra ? extra.deepCopy() : Json.MAPPER.createObjectNode();
        if (body.has("client_id")) {
            extraData.set("client_id", body.get("client_id"));
        }
        if (decision.httpStatus() == 500) {
            ctx.status(500).contentType("text/plain; charset=utf-8").result(
                    decision.textBody() == null ? Answers.SERVER_ERROR : decision.textBody());
            return;
        }
        if (!decision.accepted()) {
            LOG.warn("invalid prompt: {}", decision.body() == null ? "" : decision.body().path("error"));
            Answers.json(ctx, decision.httpStatus(), decision.body());
            return;
        }
        SENSITIVE.forEach(extraData::remove);
        engine.queue().put(new QueueItem(queueNumber, promptId, decision.queuedPrompt(), extraData, decision.outputs()));
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("prompt_id", promptId);
        if (queueNumber instanceof Double d) {
            answer.put("number", d);
        } else {
            answer.put("number", queueNumber.longValue());
        }
        answer.set("node_errors", decision.nodeErrors() == null ? Json.MAPPER.createObjectNode() : decision.nodeErrors());
        Answers.json(ctx, answer);
    }

    void getPrompt(Context ctx) {
        Answers.json(ctx, engine.queueInfo());
    }

    void getQueue(Context ctx) {
        Answers.json(ctx, engine.queue().snapshot());
    }

    void postQueue(Context ctx) {
        Optional<JsonNode> body = Answers.body(ctx);
        if (body.isEmpty() || !body.get().isObject()) {
            Answers.serverError(ctx);
            return;
        }
        if (Answers.truthy(body.get().get("clear"))) {
            engine.queue().wipe();
        }
        if (body.get().has("delete")) {
            engine.queue().delete(strings(body.get().get("delete")));
        }
        Answers.empty(ctx, 200);
    }

    void getHistory(Context ctx) {
        Integer maxItems;
        int offset;
        try {
            String max = ctx.queryParam("max_items");
            String off = ctx.queryParam("offset");
            maxItems = max == null ? null : Integer.valueOf(max);
            offset = off == null ? -1 : Integer.parseInt(off);
        } catch (NumberFormatException e) {
            Answers.serverError(ctx);
            return;
        }
        Answers.json(ctx, engine.queue().history().list(maxItems, offset));
    }

    void getHistoryEntry(Context ctx) {
        Answers.json(ctx, engine.queue().history().one(ctx.pathParam("prompt_id")));
    }

    void postHistory(Context ctx) {
        Optional<JsonNode> body = Answers.body(ctx);
        if (body.isEmpty() || !body.get().isObject()) {
            Answers.serverError(ctx);
            return;
        }
        if (Answers.truthy(body.get().get("clear"))) {
            engine.queue().history().clear();
        }
        if (body.get().has("delete")) {
            engine.queue().history().delete(strings(body.get().get("delete")));
        }
        Answers.empty(ctx, 200);
    }

    /** A bad or empty body means a global interrupt, as in ComfyUI (it catches the JSON error). */
    void postInterrupt(Context ctx) {
        JsonNode promptId = Answers.body(ctx).filter(JsonNode::isObject).map(b -> b.get("prompt_id")).orElse(null);
        engine.interrupt(promptId == null || promptId.isNull() ? null : promptId.asString());
        Answers.empty(ctx, 200);
    }

    void postFree(Context ctx) {
        Optional<JsonNode> body = Answers.body(ctx);
        if (body.isEmpty() || !body.get().isObject()) {
            Answers.serverError(ctx);
            return;
        }
        boolean freeMemory = Answers.truthy(body.get().get("free_memory"));
        boolean unload = body.get().has("unload_models") ? Answers.truthy(body.get().get("unload_models")) : freeMemory;
        engine.queue().setFlags(unload, freeMemory);
        Answers.empty(ctx, 200);
    }

    /** B: {@code str(json_data.get("prompt_id", uuid4()))}; an explicit null becomes "None". */
    private static String promptId(JsonNode value) {
        if (value == null) {
            return UUID.randomUUID().toString();
        }
        if (value.isNull()) {
            return "None";
        }
        return value.isString() ? value.asString() : value.toString();
    }

    private static List<String> strings(JsonNode list) {
        List<String> out = new ArrayList<>();
        if (list != null && list.isArray()) {
            list.forEach(v -> out.add(v.asString()));
        }
        return out;
    }

    private static ObjectNode error(String type, String message, String details) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("type", type).put("message", message).put("details", details);
        error.putObject("extra_info");
        body.putObject("node_errors");
        return body;
    }
}
