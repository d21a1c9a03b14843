package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.javalin.http.Context;

/**
 * The optional {@code Idempotency-Key} header of {@code /run} and {@code /runsync}: a client that repeats a request
 * whose answer it lost (a dropped connection, a gateway restart) sends the same key and gets the job the first
 * request queued instead of a second one. Not part of RunPod's API; RunPod's SDKs do not send it.
 */
final class IdempotencyKeyHeader {
    static final String NAME = "Idempotency-Key";
    static final int MAX_LENGTH = 255;

    private IdempotencyKeyHeader() {}

    /**
     * The key, or null when the request has none.
     *
     * @throws InvalidRequestException for an empty or over-long key, or one with other than visible ASCII
     */
    static String of(Context ctx) {
        String key = ctx.header(NAME);
        if (key == null) {
            return null;
        }
        if (key.isEmpty() || key.length() > MAX_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7E)) {
            throw new InvalidRequestException("the " + NAME + " header must be 1 to " + MAX_LENGTH
                    + " visible ASCII characters, no spaces (a random UUID makes a good key); got " + shown(key));
        }
        return key;
    }

    /** The refused key as far as it is safe to echo: its length, and its start with anything odd as '?'. */
    private static String shown(String key) {
        StringBuilder start = new StringBuilder();
        key.chars().limit(40).forEach(c -> start.append(c >= 0x20 && c <= 0x7E ? (char) c : '?'));
        return key.length() + " characters" + (key.isEmpty() ? "" : ", starting \"" + start + "\"");
    }
}
