package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.config.ApiKeys;
import io.comfyfleet.gateway.auth.UnauthorizedException;
import io.comfyfleet.gateway.config.Secret;
import io.comfyfleet.gateway.metrics.GatewayMetrics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /metrics} in Prometheus' text format. Open unless {@code server.metricsToken} is set: scrapers
 * usually send no key, and the series show endpoint names and counts, never jobs or keys.
 */
final class MetricsRoutes {
    private final GatewayMetrics metrics;
    private final Optional<ApiKeys> token;

    MetricsRoutes(GatewayMetrics metrics, Optional<Secret> token) {
        this.metrics = metrics;
        this.token = token.map(t -> ApiKeys.of(List.of(t.reveal())));
    }

    void register(RoutesConfig routes) {
        routes.get("/metrics", this::scrape);
    }

    private void scrape(Context ctx) {
        if (token.isPresent() && !token.get().accepts(Access.stripBearer(ctx.header("Authorization")))) {
            throw new UnauthorizedException();
        }
        ctx.status(200).contentType(GatewayMetrics.CONTENT_TYPE).result(metrics.scrape());
    }
}
