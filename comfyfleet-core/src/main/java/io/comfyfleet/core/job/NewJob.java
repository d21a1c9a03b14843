package io.comfyfleet.core.job;

import java.time.Instant;

/**
 * A job as accepted from a client, before it is stored.
 *
 * @param id           the job id the client will see ({@code sync-} prefix for runsync jobs)
 * @param endpoint     the endpoint name from the configuration
 * @param inputJson    the request's {@code input}, as JSON text
 * @param webhook      URL to call on a terminal state, or null
 * @param s3ConfigJson the request's {@code s3Config} as JSON text, passed to the worker only, or null
 * @param policy       execution timeout, TTL and priority
 * @param maxRetries   how many times a job whose worker went silent is put back in the queue before it FAILS
 * @param createdAt    when the gateway accepted it
 */
public record NewJob(
        String id,
        String endpoint,
        String inputJson,
        String webhook,
        String s3ConfigJson,
        JobPolicy policy,
        int maxRetries,
        Instant createdAt) {}
