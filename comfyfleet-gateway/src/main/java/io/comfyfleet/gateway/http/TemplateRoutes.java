package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.auth.AdminAccess;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.ratelimit.ClientRateLimiter;
import io.comfyfleet.gateway.ratelimit.ClientRateLimiter.Group;
import io.comfyfleet.gateway.templates.Templates;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Workflow templates over HTTP: clients list them with their JSON Schema ({@code GET /v2/{endpoint}/templates});
 * the admin key registers, reads and deletes them ({@code /admin/endpoints/{endpoint}/templates[/{name}]}).
 * Template jobs themselves go through {@code /run} and {@code /runsync}.
 */
final class TemplateRoutes {
    /** A template carries a whole workflow; large ones are a few hundred KB. */
    static final long MAX_BODY = 4L * 1024 * 1024;

    private final Access access;
    private final AdminAccess adminAccess;
    private final ClientRateLimiter limiter;
    private final Templates templates;

    TemplateRoutes(Access access, AdminAccess adminAccess, ClientRateLimiter limiter, Templates templates) {
        this.access = access;
        this.adminAccess = adminAccess;
        this.limiter = limiter;
        this.templates = templates;
    }

    void register(RoutesConfig routes) {
        routes.get("/v2/{endpoint}/templates", this::list);
        routes.get("/admin/endpoints/{endpoint}/templates", this::adminList);
        routes.get("/admin/endpoints/{endpoint}/templates/{name}", this::get);
        routes.put("/admin/endpoints/{endpoint}/templates/{name}", this::put);
        routes.delete("/admin/endpoints/{endpoint}/templates/{name}", this::delete);
    }

    private void list(Context ctx) {
        String authorization = ctx.header("Authorization");
        EndpointConfig endpoint = access.authorize(ctx.pathParam("endpoint"), authorization, Access.Side.CLIENT);
        limiter.acquire(endpoint, Group.READ, Access.stripBearer(authorization));
        HttpIO.json(ctx, templates.list(endpoint.name()));
    }

    private void adminList(Context ctx) {
        adminAccess.authorize(ctx.header("Authorization"));
        HttpIO.json(ctx, templates.list(ctx.pathParam("endpoint")));
    }

    private void get(Context ctx) {
        adminAccess.authorize(ctx.header("Authorization"));
        HttpIO.json(ctx, templates.get(ctx.pathParam("endpoint"), ctx.pathParam("name")));
    }

    private void put(Context ctx) {
        adminAccess.authorize(ctx.header("Authorization"));
        byte[] body = HttpIO.body(ctx, MAX_BODY, "the template");
        HttpIO.json(ctx, templates.put(ctx.pathParam("endpoint"), ctx.pathParam("name"),
                io.comfyfleet.gateway.jobs.RunRequest.parseJson(body)));
    }

    private void delete(Context ctx) {
        adminAccess.authorize(ctx.header("Authorization"));
        templates.delete(ctx.pathParam("endpoint"), ctx.pathParam("name"));
        HttpIO.json(ctx, Json.mapper().createObjectNode().put("deleted", ctx.pathParam("name")));
    }
}
