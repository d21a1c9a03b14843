package io.comfyfleet.core.job;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Makes job ids shaped like RunPod's: a random UUID and a suffix ({@code 3f1c…-u1}), with a {@code sync-}
 * prefix for jobs submitted through {@code /runsync}. Ids do not depend on the endpoint, so they stay
 * unique across endpoints and gateways; the suffix may name the gateway replica that accepted the job.
 */
public final class JobIds {
    /** RunPod's job id alphabet, as its MCP server validates ids; also what the job store accepts. */
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Pattern SUFFIX = Pattern.compile("[a-z0-9]{1,16}");
    private static final String SYNC_PREFIX = "sync-";

    private final String suffix;

    /** Ids ending in {@code -u1}, as RunPod's own. */
    public JobIds() {
        this("u1");
    }

    /**
     * @param suffix 1-16 lower-case letters or digits, appended after a dash
     * @throws IllegalArgumentException for any other suffix
     */
    public JobIds(String suffix) {
        if (suffix == null || !SUFFIX.matcher(suffix).matches()) {
            throw new IllegalArgumentException(
                    "a job id suffix is 1-16 lower-case letters or digits, like u1; got " + suffix);
        }
        this.suffix = suffix;
    }

    /** A new id for an asynchronous ({@code /run}) job. */
    public String next() {
        return UUID.randomUUID() + "-" + suffix;
    }

    /** A new id for a {@code /runsync} job: {@code sync-} and then as {@link #next()}. */
    public String nextSync() {
        return SYNC_PREFIX + next();
    }

    /**
     * The id of the job that a client's idempotency key names on an endpoint: the same endpoint, key and route always
     * give the same id, so the store, whose job ids are unique, keeps a repeated request from queuing a second job,
     * whichever gateway it reaches. Shaped as {@link #next()} (a UUID made from SHA-256 of the endpoint and the key,
     * with {@code sync-} for {@code /runsync}); the suffix is always {@code u1}, so gateways agree whatever suffix
     * they give random ids.
     */
    public static String forKey(String endpoint, String key, boolean sync) {
        byte[] digest = sha256(endpoint + "\n" + key);
        ByteBuffer bytes = ByteBuffer.wrap(digest);
        // RFC 9562 version 8 (custom) and variant bits, so the id reads as a well-formed UUID
        long high = (bytes.getLong() & ~0xF000L) | 0x8000L;
        long low = (bytes.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        String id = new UUID(high, low) + "-u1";
        return sync ? SYNC_PREFIX + id : id;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** True for ids made by {@link #nextSync()} (their results are kept for a shorter time). */
    public static boolean isSync(String jobId) {
        return jobId != null && jobId.startsWith(SYNC_PREFIX);
    }

    /** True when {@code jobId} is 1-128 letters, digits, {@code _} or {@code -}: safe in URLs and logs. */
    public static boolean isWellFormed(String jobId) {
        return jobId != null && WELL_FORMED.matcher(jobId).matches();
    }
}
