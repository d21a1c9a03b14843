package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import io.comfyfleet.core.job.NewJob;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Whether a request repeated with an {@code Idempotency-Key} is the request that queued the key's job, so that the
 * repeat gets that job rather than a 409.
 *
 * <p>Compared as a client means it, not as the gateway stored it:
 * <ul>
 *   <li>{@code input} and {@code s3Config} as JSON values: objects are unordered in JSON, so the same members in
 *       another order are the same request (a client that builds its body again from a map, another library);</li>
 *   <li>{@code policy.executionTimeout} only when the repeat sets it: left out, the job took the endpoint's default
 *       of the time, and that default may have changed since (a gateway restarted with a new {@code
 *       executionTimeout}) while the client sends the very same bytes;</li>
 *   <li>not the TTL: {@code /status?ttl=} may have changed it since.</li>
 * </ul>
 */
final class SameRequest {
    private SameRequest() {}

    /**
     * @param stored                the job the key's first request queued
     * @param repeat                the job this request would queue
     * @param executionTimeoutGiven whether this request set {@code policy.executionTimeout} itself
     */
    static boolean asQueued(Job stored, NewJob repeat, boolean executionTimeoutGiven) {
        return sameJson(stored.inputJson(), repeat.inputJson())
                && Objects.equals(stored.webhook(), repeat.webhook())
                && sameJson(stored.s3ConfigJson(), repeat.s3ConfigJson())
                && (!executionTimeoutGiven
                        || stored.policy().executionTimeout().equals(repeat.policy().executionTimeout()))
                && stored.policy().lowPriority() == repeat.policy().lowPriority();
    }

    /** Equal as JSON values: Jackson's object nodes compare their members as maps, whatever their order. */
    private static boolean sameJson(String a, String b) {
        if (a == null || b == null || a.equals(b)) {
            return Objects.equals(a, b);
        }
        try {
            return tree(a).equals(tree(b));
        } catch (JacksonException unreadable) {
            return false; // the gateway stores only JSON it wrote; should one not parse, the texts differ, so do they
        }
    }

    private static JsonNode tree(String json) {
        return Json.mapper().readTree(json);
    }
}
