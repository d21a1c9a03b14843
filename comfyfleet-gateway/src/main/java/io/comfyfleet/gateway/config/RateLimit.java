package io.comfyfleet.gateway.config;

/**
 * A per-key request budget: a key may send {@code burst} requests at once, then {@code requestsPerSecond}
 * on average (a token bucket).
 *
 * @param requestsPerSecond sustained rate; may be below 1 (0.5 is one request every 2 s)
 * @param burst             requests allowed at once after a quiet spell
 */
public record RateLimit(double requestsPerSecond, int burst) {}
