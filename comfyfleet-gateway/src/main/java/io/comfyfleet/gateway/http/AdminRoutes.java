package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.admin.EndpointAdmin;
import io.comfyfleet.gateway.auth.AdminAccess;
import io.comfyfleet.gateway.jobs.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * The admin API, {@code /admin/endpoints[/{ep}]}: read every endpoint's settings, version and roll-out; change
 * image, workers, idle timeout, scaler and surge. Only admin keys open it.
 */
final class AdminRoutes {
    /** A PATCH body is a handful of fields; anything larger is a mistake. */
    static final long MAX_BODY = 16 * 1024;

    private final AdminAccess access;
    private final EndpointAdmin admin;

    AdminRoutes(AdminAccess access, EndpointAdmin admin) {
        this.access = access;
        this.admin = admin;
    }

    void register(RoutesConfig routes) {
        routes.get("/admin/endpoints", this::list);
        routes.get("/admin/endpoints/{endpoint}", this::get);
        routes.patch("/admin/endpoints/{endpoint}", this::patch);
    }

    private void list(Context ctx) {
        access.authorize(ctx.header("Authorization"));
        HttpIO.json(ctx, admin.list());
    }

    private void get(Context ctx) {
        access.authorize(ctx.header("Authorization"));
        HttpIO.json(ctx, admin.get(ctx.pathParam("endpoint")));
    }

    private void patch(Context ctx) {
        access.authorize(ctx.header("Authorization"));
        byte[] body = HttpIO.body(ctx, MAX_BODY, "the PATCH body");
        HttpIO.json(ctx, admin.patch(ctx.pathParam("endpoint"), Json.mapper().readTree(body)));
    }
}
