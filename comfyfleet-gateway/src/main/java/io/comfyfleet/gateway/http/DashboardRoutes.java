package io.comfyfleet.gateway.http;

import io.comfyfleet.core.job.JobState;
import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.dashboard.Dashboard;
import io.comfyfleet.gateway.jobs.EndpointNotFoundException;
import io.comfyfleet.gateway.jobs.InvalidRequestException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * The web dashboard: the page at {@code /} with its script and style, and the JSON it polls under
 * {@code /dashboard/api/}. The page and its files are public (they hold no data); every JSON route needs a
 * client key and shows only the endpoints that key opens.
 */
final class DashboardRoutes {
    static final int DEFAULT_JOBS = 100;
    static final int MAX_JOBS = 500;
    private static final String RESOURCES = "/io/comfyfleet/gateway/dashboard/";
    // the page runs only its own files, talks only to this gateway, and shows previews and outputs as data: URIs
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; media-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Access access;
    private final Dashboard dashboard;
    private final byte[] page = resource("index.html");
    private final byte[] script = resource("dashboard.js");
    private final byte[] style = resource("dashboard.css");

    DashboardRoutes(Access access, Dashboard dashboard) {
        this.access = access;
        this.dashboard = dashboard;
    }

    void register(RoutesConfig routes) {
        routes.get("/", ctx -> file(ctx, "text/html; charset=utf-8", page));
        routes.get("/dashboard/dashboard.js", ctx -> file(ctx, "text/javascript; charset=utf-8", script));
        routes.get("/dashboard/dashboard.css", ctx -> file(ctx, "text/css; charset=utf-8", style));
        routes.get("/dashboard/api/overview", ctx -> json(ctx, dashboard.overview(visible(ctx))));
        routes.get("/dashboard/api/jobs", this::jobs);
        routes.get("/dashboard/api/jobs/{id}", ctx -> json(ctx, dashboard.job(visible(ctx), ctx.pathParam("id"))
                .orElseThrow(() -> new io.comfyfleet.core.job.JobNotFoundException(HttpIO.abbreviate(ctx.pathParam("id"))))));
        routes.get("/dashboard/api/series", ctx -> json(ctx, dashboard.series(visible(ctx))));
    }

    /** {@code ?status=COMPLETED} (any job state), {@code ?endpoint=name}, {@code ?limit=1..500}. */
    private void jobs(Context ctx) {
        List<EndpointConfig> visible = visible(ctx);
        String endpoint = ctx.queryParam("endpoint");
        if (endpoint != null && !endpoint.isBlank()) {
            visible = visible.stream().filter(e -> e.name().equals(endpoint)).toList();
            if (visible.isEmpty()) {
                throw new EndpointNotFoundException(HttpIO.abbreviate(endpoint));
            }
        }
        int limit = HttpIO.intParam(ctx, "limit", DEFAULT_JOBS, 1, MAX_JOBS);
        json(ctx, dashboard.jobs(visible, state(ctx.queryParam("status")), limit));
    }

    private static Optional<JobState> state(String raw) {
        if (raw == null || raw.isBlank() || raw.equals("ALL")) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobState.valueOf(raw.strip()));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("?status must be ALL or one of " + Arrays.toString(JobState.values())
                    + ", got \"" + HttpIO.abbreviate(raw) + "\"");
        }
    }

    private List<EndpointConfig> visible(Context ctx) {
        return access.endpointsOpenedBy(ctx.header("Authorization"), Access.Side.CLIENT);
    }

    private static void json(Context ctx, ObjectNode node) {
        ctx.header("Cache-Control", "no-store");
        HttpIO.json(ctx, node);
    }

    private static void file(Context ctx, String type, byte[] bytes) {
        ctx.status(200).contentType(type).header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff").header("Cache-Control", "no-cache").result(bytes);
    }

    private static byte[] resource(String name) {
        try (InputStream in = DashboardRoutes.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard file " + RESOURCES + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
