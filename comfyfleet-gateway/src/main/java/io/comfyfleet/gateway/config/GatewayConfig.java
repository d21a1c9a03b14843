package io.comfyfleet.gateway.config;

import java.util.List;
import java.util.Optional;

/**
 * The validated, frozen gateway configuration. Build it with {@link ConfigLoader}.
 *
 * @param adminKeys keys of the admin API ({@code server.adminKey}); empty: the admin API refuses every call
 */
public record GatewayConfig(
        ServerSettings server, StoreSettings store, WebhookSettings webhooks, List<EndpointConfig> endpoints,
        ApiKeys adminKeys) {

    public GatewayConfig {
        endpoints = List.copyOf(endpoints);
    }

    /** The endpoint with this name, if configured. */
    public Optional<EndpointConfig> endpoint(String name) {
        return endpoints.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** A copy with another server section (tests pick a free port or a temporary data folder). */
    public GatewayConfig withServer(ServerSettings newServer) {
        return new GatewayConfig(newServer, store, webhooks, endpoints, adminKeys);
    }

    /** A copy with another store section. */
    public GatewayConfig withStore(StoreSettings newStore) {
        return new GatewayConfig(server, newStore, webhooks, endpoints, adminKeys);
    }
}
