package io.comfyfleet.gateway.auth;

import io.comfyfleet.gateway.config.ApiKeys;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.jobs.EndpointNotFoundException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides who may call an endpoint. Client keys open the client API, worker keys the worker API; a key of
 * one side never opens the other.
 *
 * <p>The {@code Authorization} header may carry the key raw (RunPod's docs and workers) or after
 * {@code Bearer } (RunPod's SDKs). An unknown endpoint is reported as such only to a caller holding a valid
 * key of the same side for some endpoint; anyone else gets 401, so endpoint names cannot be probed.
 */
public final class Access {
    /** Which API a request is for. */
    public enum Side { CLIENT, WORKER }

    private final Map<String, EndpointConfig> endpoints;
    private final List<EndpointConfig> order;

    public Access(List<EndpointConfig> endpoints) {
        this.order = List.copyOf(endpoints);
        this.endpoints = endpoints.stream().collect(Collectors.toUnmodifiableMap(EndpointConfig::name, Function.identity()));
    }

    /**
     * The endpoint, when {@code authorization} holds a key of the given side for it.
     *
     * @throws UnauthorizedException     when the key is missing or not valid here
     * @throws EndpointNotFoundException when the endpoint does not exist and the key is valid elsewhere
     */
    public EndpointConfig authorize(String endpoint, String authorization, Side side) {
        String key = stripBearer(authorization);
        EndpointConfig config = endpoints.get(endpoint);
        if (config != null) {
            if (keys(config, side).accepts(key)) {
                return config;
            }
            throw new UnauthorizedException();
        }
        boolean validSomewhere = false;
        for (EndpointConfig other : endpoints.values()) {
            validSomewhere |= keys(other, side).accepts(key);
        }
        if (validSomewhere) {
            throw new EndpointNotFoundException(endpoint);
        }
        throw new UnauthorizedException();
    }

    /**
     * The endpoints whose keys of {@code side} accept the key in {@code authorization}, in configuration order
     * (the dashboard shows a key only its own endpoints).
     *
     * @throws UnauthorizedException when the key opens no endpoint
     */
    public List<EndpointConfig> endpointsOpenedBy(String authorization, Side side) {
        String key = stripBearer(authorization);
        List<EndpointConfig> opened = order.stream().filter(e -> keys(e, side).accepts(key)).toList();
        if (opened.isEmpty()) {
            throw new UnauthorizedException();
        }
        return opened;
    }

    private static ApiKeys keys(EndpointConfig config, Side side) {
        return side == Side.CLIENT ? config.clientKeys() : config.workerKeys();
    }

    /** The key in an {@code Authorization} header, raw or after {@code Bearer }; null when absent. */
    public static String stripBearer(String header) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        if (value.length() > 7 && value.regionMatches(true, 0, "bearer ", 0, 7)) {
            return value.substring(7).strip();
        }
        return value;
    }
}
