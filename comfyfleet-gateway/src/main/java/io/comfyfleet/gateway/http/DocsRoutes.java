package io.comfyfleet.gateway.http;

import io.comfyfleet.gateway.jobs.Json;
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
 * Both are public: they describe the API, they open nothing.
 */
final class DocsRoutes {
    static final String DOCUMENT = "openapi.yaml";
    private final byte[] json;
    private final byte[] page;

    DocsRoutes() {
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
