package io.comfyfleet.gateway.config;

import java.time.Duration;

/**
 * How webhook calls are delivered.
 *
 * @param attempts tries per call, the first included
 * @param backoff  wait before the second try; doubles for each further try
 * @param timeout  how long one try may take
 */
public record WebhookSettings(int attempts, Duration backoff, Duration timeout) {}
