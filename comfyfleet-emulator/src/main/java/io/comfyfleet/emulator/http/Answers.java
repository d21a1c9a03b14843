package io.comfyfleet.emulator.http;

import io.comfyfleet.common.json.Json;
import io.javalin.http.Context;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** How ComfyUI's aiohttp handlers answer: JSON responses, and aiohttp's plain-text 500 on a crash. */
final class Answers {
    static final String SERVER_ERROR = "500 Internal Server Error\n\nServer got itself in trouble";

    private Answers() {}

    static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json; charset=utf-8").result(Json.MAPPER.writeValueAsString(body));
    }

    static void json(Context ctx, JsonNode body) {
        json(ctx, 200, body);
    }

    /** What aiohttp sends when a handler raises (e.g. {@code await request.json()} on bad JSON). */
    static void serverError(Context ctx) {
        ctx.status(500).contentType("text/plain; charset=utf-8").result(SERVER_ERROR);
    }

    static void empty(Context ctx, int status) {
        ctx.status(status).result("");
    }

    /** The body as JSON, or empty when it is not JSON (the caller decides between 500 and ignoring). */
    static Optional<JsonNode> body(Context ctx) {
        try {
            String text = ctx.body();
            return text.isBlank() ? Optional.empty() : Optional.ofNullable(Json.MAPPER.readTree(text));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /** Python truthiness of a JSON value. */
    static boolean truthy(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isNumber()) {
            return value.asDouble() != 0;
        }
        if (value.isString()) {
            return !value.asString().isEmpty();
        }
        return !value.isEmpty();
    }
}
