package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.jobs.PayloadTooLargeException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;

/** Reading bounded bodies and query values, and writing JSON answers, the same way on every route. */
final class HttpIO {
    static final String JSON = "application/json";
    private static final java.util.regex.Pattern WHOLE_NUMBER = java.util.regex.Pattern.compile("[-+]?\\d+");
    private static final Logger log = LoggerFactory.getLogger(HttpIO.class);
    /**
     * Writes an answer straight into the response, without a byte[] copy of it and without Javalin's result
     * stream (copied out through a 32 KB buffer per answer). Neither flushed nor closed here: Jetty then still
     * holds a small answer whole when Javalin closes the response, so it goes out with its Content-Length as
     * before, and Javalin's compression decides on the same bytes.
     */
    private static final ObjectWriter WRITER = Json.mapper().writer()
            .without(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .without(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
            .without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    /** How much of an oversized body is read and dropped, so its 413 reaches the client (RunPod's limit: 20 MB). */
    static final long MAX_DISCARDED_BYTES = 32L << 20;

    private HttpIO() {}

    /**
     * The whole body, refused with 413 as soon as it is known to exceed {@code limit}: from
     * {@code Content-Length}, or after {@code limit + 1} bytes of a chunked body. Up to a bound the rest is read
     * and dropped, never kept, before the answer (see {@link #refuseTooLarge}).
     */
    static byte[] body(Context ctx, long limit, String what) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw refuseTooLarge(ctx, what, limit);
        }
        try {
            InputStream in = ctx.req().getInputStream();
            if (declared >= 0) {
                // the usual case: read into an array of the right size rather than through growing chunks
                byte[] bytes = in.readNBytes((int) declared);
                if (bytes.length < declared) {
                    throw new InvalidRequestException("the request body ended after " + bytes.length + " of the "
                            + declared + " bytes its Content-Length announced");
                }
                return bytes;
            }
            byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 16));
            if (bytes.length > limit) {
                throw refuseTooLarge(ctx, what, limit);
            }
            return bytes;
        } catch (IOException e) {
            throw new InvalidRequestException("the request body could not be read: " + e.getMessage(), e);
        }
    }

    /**
     * The 413 for a body over {@code limit}, after reading and dropping what is left of it when that is at most
     * {@link #MAX_DISCARDED_BYTES}. A server that answers while the client is still sending and then closes the
     * connection makes the client's TCP stack reset it, and the reset can destroy the answer before the client
     * reads it: the client sees a broken connection instead of the 413 that says what to change. A body that
     * announces more than that (a hostile one, or a mistake of a size no client should send) is refused at once,
     * unread.
     */
    static PayloadTooLargeException refuseTooLarge(Context ctx, String what, long limit) {
        dropUnreadBody(ctx, MAX_DISCARDED_BYTES);
        return new PayloadTooLargeException(what, limit);
    }

    /**
     * Reads and drops what is left of the request body when it announces at most {@code atMost} bytes (a chunked
     * one announces nothing: then at most that many are read), so that an answer given before the body was read
     * reaches the client rather than being lost to the reset of a connection closed under its upload.
     */
    static void dropUnreadBody(Context ctx, long atMost) {
        if (ctx.req().getContentLengthLong() > atMost) {
            return;
        }
        try {
            InputStream in = ctx.req().getInputStream();
            byte[] sink = new byte[16 * 1024];
            long left = atMost;
            int n;
            while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
                left -= n;
            }
        } catch (IOException | IllegalStateException e) {
            log.debug("{} {}: dropping the rest of the body failed: {}", ctx.method(), ctx.path(), e.getMessage());
        }
    }

    /** {@code ?name=<ms>}, clamped to [min, max]; {@code fallback} when absent. */
    static Duration waitParam(Context ctx, String name, long fallback, long min, long max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return Duration.ofMillis(fallback);
        }
        String digits = raw.strip();
        if (!WHOLE_NUMBER.matcher(digits).matches()) {
            throw new InvalidRequestException("?" + name + " must be a whole number of milliseconds, got \""
                    + abbreviate(raw) + "\"");
        }
        try {
            return Duration.ofMillis(Math.clamp(Long.parseLong(digits), min, max));
        } catch (NumberFormatException tooLong) {
            // more digits than a long holds is past any bound: it clamps like any other
            return Duration.ofMillis(digits.startsWith("-") ? min : max);
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
            if (WHOLE_NUMBER.matcher(raw.strip()).matches()) {
                throw new InvalidRequestException("?" + name + " must be from " + min + " to " + max + ", got "
                        + abbreviate(raw.strip()));
            }
            throw new InvalidRequestException("?" + name + " must be a whole number, got \"" + abbreviate(raw) + "\"");
        }
    }

    /**
     * {@code ?name=n}, a whole number of at least {@code min}; one above {@code max} (however many digits) counts as
     * {@code max}. For a count the caller may be given fewer of than it asks: less is no error to it.
     */
    static int atMostParam(Context ctx, String name, int fallback, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        String digits = raw.strip();
        if (!WHOLE_NUMBER.matcher(digits).matches()) {
            throw new InvalidRequestException("?" + name + " must be a whole number, got \"" + abbreviate(raw) + "\"");
        }
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException tooLong) {
            value = digits.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        if (value < min) {
            throw new InvalidRequestException("?" + name + " must be " + min + " or more (above " + max
                    + " it counts as " + max + "), got " + abbreviate(digits));
        }
        return (int) Math.min(value, max);
    }

    static void json(Context ctx, JsonNode node) {
        write(ctx.status(200).contentType(JSON), node);
    }

    /** An answer already written as compact JSON. */
    static void json(Context ctx, byte[] compactJson) {
        ctx.status(200).contentType(JSON);
        try {
            ctx.outputStream().write(compactJson);
        } catch (IOException e) {
            log.debug("{} {}: the answer could not be sent: {}", ctx.method(), ctx.path(), e.getMessage());
        }
    }

    static void error(Context ctx, int status, String message) {
        var node = Json.mapper().createObjectNode().put("error", message);
        // as Javalin's result, which replaces any answer Javalin itself set (its text for an unknown route)
        ctx.status(status).contentType(JSON).result(Json.mapper().writeValueAsBytes(node));
    }

    private static void write(Context ctx, JsonNode node) {
        try {
            WRITER.writeValue(ctx.outputStream(), node);
        } catch (JacksonIOException e) {
            // only a large answer reaches the socket here: its client went away, there is no one to tell
            log.debug("{} {}: the answer could not be sent: {}", ctx.method(), ctx.path(), e.getMessage());
        }
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
