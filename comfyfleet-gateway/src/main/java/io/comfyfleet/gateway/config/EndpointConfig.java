package io.comfyfleet.gateway.config;

import io.comfyfleet.core.endpoint.ScalerType;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * One endpoint ({@code /v2/{name}/...}) as configured: who may call it, job defaults, scaling settings.
 *
 * @param clientKeys       keys accepted on the client API (run, status, ...)
 * @param workerKeys       keys accepted on the worker API (job-take, job-done, ...); never a client key
 * @param executionTimeout default for {@code policy.executionTimeout}
 * @param ttl              default for {@code policy.ttl}
 * @param maxRetries       times a job whose worker went silent goes back to the queue before it fails
 * @param webhookSecret    signs webhook calls of this endpoint; empty means webhooks go unsigned
 * @param rateLimit        per client key, for run, runsync, retry, cancel and purge-queue; empty: unlimited
 * @param statusRateLimit  per client key, for status, status-sync, stream and health; empty: unlimited
 * @param image            the image its workers run, as first seeded into the job store (later changes go through
 *                         the admin API); empty: the provider's default
 * @param templates        workflow templates by name, as first seeded into the job store (definitions with the
 *                         workflow inlined; later changes go through the admin API)
 * @param routing          which queued job a waiting worker gets: model affinity (default) or FIFO
 */
public record EndpointConfig(
        String name,
        ApiKeys clientKeys,
        ApiKeys workerKeys,
        Duration executionTimeout,
        Duration ttl,
        int maxRetries,
        int minWorkers,
        int maxWorkers,
        Duration idleTimeout,
        ScalerType scalerType,
        double scalerValue,
        Optional<Secret> webhookSecret,
        Optional<RateLimit> rateLimit,
        Optional<RateLimit> statusRateLimit,
        Optional<String> image,
        Map<String, JsonNode> templates,
        Routing routing) {

    public EndpointConfig {
        templates = Map.copyOf(templates);
    }

    /** An endpoint with templates and the default routing ({@link Routing#DEFAULT}). */
    public EndpointConfig(String name, ApiKeys clientKeys, ApiKeys workerKeys, Duration executionTimeout, Duration ttl,
            int maxRetries, int minWorkers, int maxWorkers, Duration idleTimeout, ScalerType scalerType,
            double scalerValue, Optional<Secret> webhookSecret, Optional<RateLimit> rateLimit,
            Optional<RateLimit> statusRateLimit, Optional<String> image, Map<String, JsonNode> templates) {
        this(name, clientKeys, workerKeys, executionTimeout, ttl, maxRetries, minWorkers, maxWorkers, idleTimeout,
                scalerType, scalerValue, webhookSecret, rateLimit, statusRateLimit, image, templates, Routing.DEFAULT);
    }

    /** An endpoint without templates, with the given routing. */
    public EndpointConfig(String name, ApiKeys clientKeys, ApiKeys workerKeys, Duration executionTimeout, Duration ttl,
            int maxRetries, int minWorkers, int maxWorkers, Duration idleTimeout, ScalerType scalerType,
            double scalerValue, Optional<Secret> webhookSecret, Optional<RateLimit> rateLimit,
            Optional<RateLimit> statusRateLimit, Optional<String> image, Routing routing) {
        this(name, clientKeys, workerKeys, executionTimeout, ttl, maxRetries, minWorkers, maxWorkers, idleTimeout,
                scalerType, scalerValue, webhookSecret, rateLimit, statusRateLimit, image, Map.of(), routing);
    }

    /** An endpoint without templates, with the default routing. */
    public EndpointConfig(String name, ApiKeys clientKeys, ApiKeys workerKeys, Duration executionTimeout, Duration ttl,
            int maxRetries, int minWorkers, int maxWorkers, Duration idleTimeout, ScalerType scalerType,
            double scalerValue, Optional<Secret> webhookSecret, Optional<RateLimit> rateLimit,
            Optional<RateLimit> statusRateLimit, Optional<String> image) {
        this(name, clientKeys, workerKeys, executionTimeout, ttl, maxRetries, minWorkers, maxWorkers, idleTimeout,
                scalerType, scalerValue, webhookSecret, rateLimit, statusRateLimit, image, Map.of(), Routing.DEFAULT);
    }
}
