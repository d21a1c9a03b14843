package io.comfyfleet.gateway.config;

import java.time.Duration;

/**
 * How webhook calls are delivered.
 *
 * @param attempts            tries per call, the first included
 * @param backoff             wait before the second try; doubles for each further try
 * @param timeout             how long one try may take
 * @param allowPrivateTargets also call loopback, private-network, link-local, multicast and unspecified
 *                            addresses; off by default so a client key cannot make the gateway reach into
 *                            its own network (SSRF)
 */
public record WebhookSettings(int attempts, Duration backoff, Duration timeout, boolean allowPrivateTargets) {}
