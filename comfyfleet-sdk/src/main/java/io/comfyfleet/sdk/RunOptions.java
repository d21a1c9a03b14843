package io.comfyfleet.sdk;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Per-job settings of a run: RunPod's {@code webhook}, {@code policy} (execution timeout, TTL, low priority) and
 * {@code s3Config}, and ComfyFleet's {@code preview} (progress updates carry preview frames) and idempotency key.
 * Immutable; start from {@link #defaults()}.
 */
public final class RunOptions {
    private final String webhook;
    private final Duration executionTimeout;
    private final Duration ttl;
    private final Boolean lowPriority;
    private final boolean preview;
    private final Map<String, JsonNode> extraInput;
    private final S3Config s3Config;
    private final String idempotencyKey;

    private RunOptions(String webhook, Duration executionTimeout, Duration ttl, Boolean lowPriority, boolean preview,
                       Map<String, JsonNode> extraInput, S3Config s3Config, String idempotencyKey) {
        this.webhook = webhook;
        this.executionTimeout = executionTimeout;
        this.ttl = ttl;
        this.lowPriority = lowPriority;
        this.preview = preview;
        this.extraInput = Map.copyOf(extraInput);
        this.s3Config = s3Config;
        this.idempotencyKey = idempotencyKey;
    }

    /** No webhook, the endpoint's default policy, no previews. */
    public static RunOptions defaults() {
        return new RunOptions(null, null, null, null, false, Map.of(), null, null);
    }

    /** The URL the server POSTs the result to when the job ends. */
    public RunOptions webhook(String url) {
        return new RunOptions(url, executionTimeout, ttl, lowPriority, preview, extraInput, s3Config, idempotencyKey);
    }

    /** The longest the job may run once started (RunPod: 5 s to 7 days). */
    public RunOptions executionTimeout(Duration timeout) {
        return new RunOptions(webhook, timeout, ttl, lowPriority, preview, extraInput, s3Config, idempotencyKey);
    }

    /** How long the job may exist from submission, queued time included (RunPod: 10 s to 7 days). */
    public RunOptions ttl(Duration ttl) {
        return new RunOptions(webhook, executionTimeout, ttl, lowPriority, preview, extraInput, s3Config, idempotencyKey);
    }

    public RunOptions lowPriority(boolean low) {
        return new RunOptions(webhook, executionTimeout, ttl, low, preview, extraInput, s3Config, idempotencyKey);
    }

    /** Ask ComfyFleet workers for preview frames with the progress updates. */
    public RunOptions preview(boolean preview) {
        return new RunOptions(webhook, executionTimeout, ttl, lowPriority, preview, extraInput, s3Config, idempotencyKey);
    }

    /** An extra field of {@code input} for workers that read more than the workflow and images. */
    public RunOptions input(String field, JsonNode value) {
        Map<String, JsonNode> extra = new LinkedHashMap<>(extraInput);
        extra.put(field, value);
        return new RunOptions(webhook, executionTimeout, ttl, lowPriority, preview, extra, s3Config, idempotencyKey);
    }

    /** Where the worker uploads the outputs (RunPod's {@code s3Config}, passed through to the worker). */
    public RunOptions s3Config(S3Config config) {
        return new RunOptions(webhook, executionTimeout, ttl, lowPriority, preview, extraInput,
                java.util.Objects.requireNonNull(config, "s3Config"), idempotencyKey);
    }

    /**
     * ComfyFleet's {@code Idempotency-Key} for this submission (RunPod ignores it): a repeat of the same request with
     * the same key gets the job the first one queued, so the SDK repeats a submission that got no answer (a
     * dropped connection, a gateway restart, a proxy's 502/503/504) until the client's request timeout, instead of
     * failing. Use a new key for each job (a random UUID, or your own order id).
     *
     * @param key 1 to 255 visible ASCII characters
     */
    public RunOptions idempotencyKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7E)) {
            throw new IllegalArgumentException("an idempotency key is 1 to 255 visible ASCII characters, no spaces"
                    + " (a random UUID makes a good one); got " + (key == null ? "null" : key.length() + " characters"));
        }
        return new RunOptions(webhook, executionTimeout, ttl, lowPriority, preview, extraInput, s3Config, key);
    }

    /** The idempotency key, or null. */
    String idempotencyKey() {
        return idempotencyKey;
    }

    /** Adds webhook and policy to the request body and ComfyFleet's extras to its input. */
    void applyTo(ObjectNode body, ObjectNode input) {
        extraInput.forEach(input::set);
        if (preview) {
            input.put("preview", true);
        }
        if (webhook != null) {
            body.put("webhook", webhook);
        }
        if (s3Config != null) {
            s3Config.writeTo(body.putObject("s3Config"));
        }
        if (executionTimeout != null || ttl != null || lowPriority != null) {
            ObjectNode policy = body.putObject("policy");
            if (executionTimeout != null) {
                policy.put("executionTimeout", executionTimeout.toMillis());
            }
            if (ttl != null) {
                policy.put("ttl", ttl.toMillis());
            }
            if (lowPriority != null) {
                policy.put("lowPriority", lowPriority);
            }
        }
    }
}
