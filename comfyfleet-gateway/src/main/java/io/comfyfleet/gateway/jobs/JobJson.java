package io.comfyfleet.gateway.jobs;

import io.comfyfleet.core.job.Job;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * The RunPod wire shapes of a job: the {@code /status} object, the webhook body, the job-take answer.
 * Stored JSON (input, output) is copied through as raw text, never parsed again.
 */
public final class JobJson {
    private JobJson() {}

    /** {@code {id, status, delayTime, executionTime, output?, error?, workerId?, retries}}. */
    public static ObjectNode status(Job job, Instant now) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("id", job.id());
        node.put("status", job.state().name());
        node.put("delayTime", job.delayTimeMillis(now));
        node.put("executionTime", job.executionTimeMillis(now));
        if (job.outputJson() != null) {
            node.putRawValue("output", new RawValue(job.outputJson()));
        }
        if (job.error() != null) {
            node.put("error", job.error());
        }
        if (job.workerId() != null) {
            node.put("workerId", job.workerId());
        }
        node.put("retries", job.retries());
        return node;
    }

    /** RunPod's webhook body: the status object plus {@code input} and {@code webhook}. */
    public static ObjectNode webhook(Job job, Instant now) {
        ObjectNode node = status(job, now);
        node.putRawValue("input", new RawValue(job.inputJson()));
        node.put("webhook", job.webhook());
        return node;
    }

    /** What a worker's job-take gets: {@code {id, input, policy, s3Config?}}; never the webhook. */
    public static ObjectNode forWorker(Job job) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("id", job.id());
        node.putRawValue("input", new RawValue(job.inputJson()));
        ObjectNode policy = node.putObject("policy");
        policy.put("executionTimeout", job.policy().executionTimeout().toMillis());
        policy.put("ttl", job.policy().ttl().toMillis());
        policy.put("lowPriority", job.policy().lowPriority());
        if (job.s3ConfigJson() != null) {
            node.putRawValue("s3Config", new RawValue(job.s3ConfigJson()));
        }
        return node;
    }

    /** A job-take-batch answer. */
    public static ArrayNode forWorker(List<Job> jobs) {
        ArrayNode array = Json.mapper().createArrayNode();
        jobs.forEach(j -> array.add(forWorker(j)));
        return array;
    }
}
