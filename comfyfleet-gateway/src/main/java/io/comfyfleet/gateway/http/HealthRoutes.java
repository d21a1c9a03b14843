package io.comfyfleet.gateway.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Probes for orchestrators (Kubernetes, load balancers), open and cheap: no key, no store access.
 * {@code GET /healthz} answers 200 while the process serves HTTP (liveness); {@code GET /readyz} answers 503 once
 * the gateway drains before a stop (readiness), so a Service sends new clients to another replica while the running
 * jobs finish here.
 */
final class HealthRoutes {
    private final Intake intake;

    HealthRoutes(Intake intake) {
        this.intake = intake;
    }

    void register(RoutesConfig routes) {
        routes.get("/healthz", this::live);
        routes.get("/readyz", this::ready);
    }

    private void live(Context ctx) {
        ctx.status(200).contentType("text/plain").result("ok\n");
    }

    private void ready(Context ctx) {
        if (intake.isOpen()) {
            ctx.status(200).contentType("text/plain").result("ready\n");
        } else {
            ctx.status(503).contentType("text/plain").result("draining: accepts no new jobs\n");
        }
    }
}
