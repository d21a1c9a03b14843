package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.auth.Access;
import io.comfyfleet.gateway.auth.UnauthorizedException;
import io.comfyfleet.gateway.config.EndpointConfig;
import io.comfyfleet.gateway.jobs.Json;
import io.comfyfleet.gateway.templates.TemplateOpenApi;
import io.comfyfleet.gateway.templates.Templates;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The API's description: {@code /openapi.json} (the hand-written {@code openapi.yaml} next to this class, as
 * JSON) and {@code /docs}, a self-contained page that renders it (no CDN: gateways often have no internet).
 * Both are public: they describe the API, they open nothing. Asked with a client key, {@code /openapi.json} also
 * describes the workflow templates of the endpoints that key opens ({@link TemplateOpenApi}).
 */
final class DocsRoutes {
    static final String DOCUMENT = "openapi.yaml";
    private final byte[] json;
    private final byte[] page;
    private final Access access;
    private final Templates templates;

    DocsRoutes(Access access, Templates templates) {
        this.access = access;
        this.templates = templates;
        this.json = Json.mapper().writeValueAsBytes(document());
        this.page = resource("docs.html");
    }

    /** The OpenAPI document as parsed from the resource. */
    static JsonNode document() {
        return new YAMLMapper().readTree(resource(DOCUMENT));
    }

    void register(RoutesConfig routes) {
        routes.get("/openapi.json", this::openapi);
        routes.get("/docs", this::docs);
    }

    private void openapi(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            try {
                var endpoints = access.endpointsOpenedBy(authorization, Access.Side.CLIENT).stream()
                        .map(EndpointConfig::name).toList();
                HttpIO.json(ctx, TemplateOpenApi.with(document(), endpoints, templates));
                return;
            } catch (UnauthorizedException e) {
                // a key that opens nothing sees the public document, as a caller without a key does
            }
        }
        ctx.status(200).contentType(HttpIO.JSON).result(json);
    }

    private void docs(Context ctx) {
        ctx.status(200).contentType("text/html; charset=utf-8")
                // the page runs only its own inline script and reads only this origin
                .header("Content-Security-Policy",
                        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
                .result(page);
    }

    private static byte[] resource(String name) {
        try (InputStream in = DocsRoutes.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the gateway's resources");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }
}
