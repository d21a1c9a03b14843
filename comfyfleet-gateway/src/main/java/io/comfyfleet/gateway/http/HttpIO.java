package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.jobs.PayloadTooLargeException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/** Reading bounded bodies and query values, and writing JSON answers, the same way on every route. */
final class HttpIO {
    static final String JSON = "application/json";

    private HttpIO() {}

    /**
     * The whole body, refused with 413 as soon as it is known to exceed {@code limit}: at once from
     * {@code Content-Length}, or after {@code limit + 1} bytes of a chunked body; the rest is never read.
     */
    static byte[] body(Context ctx, long limit, String what) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw new PayloadTooLargeException(what, limit);
        }
        try {
            InputStream in = ctx.req().getInputStream();
            byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 16));
            if (bytes.length > limit) {
                throw new PayloadTooLargeException(what, limit);
            }
            return bytes;
        } catch (IOException e) {
            throw new InvalidRequestException("the request body could not be read: " + e.getMessage(), e);
        }
    }

    /** {@code ?name=<ms>}, clamped to [min, max]; {@code fallback} when absent. */
    static Duration waitParam(Context ctx, String name, long fallback, long min, long max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return Duration.ofMillis(fallback);
        }
        try {
            long ms = Long.parseLong(raw.strip());
            return Duration.ofMillis(Math.clamp(ms, min, max));
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("?" + name + " must be a whole number of milliseconds, got \""
                    + abbreviate(raw) + "\"");
        }
    }

    static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.strip());
            if (value < min || value > max) {
                throw new InvalidRequestException("?" + name + " must be from " + min + " to " + max + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("?" + name + " must be a whole number, got \"" + abbreviate(raw) + "\"");
        }
    }

    static void json(Context ctx, JsonNode node) {
        ctx.status(200).contentType(JSON).result(Json.mapper().writeValueAsBytes(node));
    }

    static void error(Context ctx, int status, String message) {
        var node = Json.mapper().createObjectNode().put("error", message);
        ctx.status(status).contentType(JSON).result(Json.mapper().writeValueAsBytes(node));
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
