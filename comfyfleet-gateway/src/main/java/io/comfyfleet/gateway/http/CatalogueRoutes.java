package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.admission.Catalogues;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.config.ServerSettings;
import io.comfyfleet.gateway.jobs.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * ComfyFleet's extension of the worker protocol: {@code POST /v2/{endpoint}/catalogue/{worker}?digest=&version=}
 * reports the worker's node catalogue (its ComfyUI's {@code /object_info}), digest first. Without a body the
 * answer says whether the gateway has that digest ({@code "known": true}) or wants the body
 * ({@code "known": false}); with the body (at most {@code server.maxWorkerBody}) it is checked against the digest
 * and stored. Worker key, as every worker route. RunPod's workers never call it and lose nothing.
 */
final class CatalogueRoutes {
    private final Access access;
    private final Catalogues catalogues;
    private final ServerSettings server;

    CatalogueRoutes(Access access, Catalogues catalogues, ServerSettings server) {
        this.access = access;
        this.catalogues = catalogues;
        this.server = server;
    }

    void register(RoutesConfig routes) {
        routes.post("/v2/{endpoint}/catalogue/{worker}", this::report);
    }

    private void report(Context ctx) {
        EndpointConfig endpoint = access.authorize(ctx.pathParam("endpoint"), ctx.header("Authorization"),
                Access.Side.WORKER);
        Ids.worker(ctx.pathParam("worker"));
        String digest = ctx.queryParam("digest");
        byte[] body = HttpIO.body(ctx, server.maxWorkerBody(), "the catalogue body");
        Catalogues.Outcome outcome = catalogues.report(endpoint.name(), ctx.queryParam("version"), digest, body);
        HttpIO.json(ctx, Json.mapper().createObjectNode().put("digest", digest)
                .put("known", outcome == Catalogues.Outcome.KNOWN));
    }
}
