package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The hand-written OpenAPI document and the server agree: every route the gateway's sources register is in
 * the document, and every documented operation is answered by a real route of a running gateway.
 */
class OpenApiCoverageTest {
    // how every route class registers: routes.get("/v2/{endpoint}/...", this::handler)
    private static final Pattern REGISTRATION =
            Pattern.compile("routes\\.(get|post|put|patch|delete|head)\\(\\s*\"([^\"]+)\"");
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head");

    @TempDir
    Path dir;

    @Test
    void everyRegisteredRouteIsDocumented() throws IOException {
        Set<String> registered = registeredRoutes();
        // a sanity floor, so a broken scan cannot pass by finding nothing
        assertThat(registered).hasSizeGreaterThanOrEqualTo(22).contains("POST /v2/{endpoint}/run");
        assertThat(documentedOperations()).containsAll(registered);
    }

    @Test
    void everyDocumentedOperationIsARealRoute() {
        try (TestGateway gw = new TestGateway(dir)) {
            for (String operation : documentedOperations()) {
                String method = operation.substring(0, operation.indexOf(' '));
                String path = operation.substring(operation.indexOf(' ') + 1)
                        .replaceAll("\\{[^}]+}", "x");
                // without a key every real /v2 and dashboard data route answers 401 at once; a missing route is Javalin's 404
                Reply reply = gw.client.withKey(null).send(gw.client.withKey(null).request(path)
                        .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()));
                assertThat(reply.text()).as(operation).doesNotContain("not found: " + method);
                boolean keyed = path.startsWith("/v2/") || path.startsWith("/dashboard/api/") || path.startsWith("/admin/");
                assertThat(reply.status()).as(operation).isIn(keyed ? Set.of(401) : Set.of(200));
            }
        }
    }

    @Test
    void everyOperationIsDescribed() {
        JsonNode doc = DocsRoutes.document();
        assertThat(doc.path("openapi").asString()).startsWith("3.");
        for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                assertThat(op.getValue().path("summary").isString()).as(op.getKey() + " " + path.getKey()).isTrue();
                assertThat(op.getValue().path("responses").path("200").isObject())
                        .as(op.getKey() + " " + path.getKey()).isTrue();
            }
        }
    }

    @Test
    void servesTheDocumentAndASelfContainedPage() {
        try (TestGateway gw = new TestGateway(dir)) {
            Reply json = gw.client.withKey(null).get("/openapi.json");
            assertThat(json.status()).isEqualTo(200);
            assertThat(json.json().path("paths").has("/v2/{endpoint}/events/{id}")).isTrue();
            Reply page = gw.client.withKey(null).get("/docs");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(page.text()).contains("fetch('openapi.json')").doesNotContain("<script src", "https://");
        }
    }

    private static Set<String> documentedOperations() {
        Set<String> ops = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : DocsRoutes.document().path("paths").properties()) {
            for (String method : path.getValue().propertyNames()) {
                if (METHODS.contains(method)) {
                    ops.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return ops;
    }

    private static Set<String> registeredRoutes() throws IOException {
        Path sources = Path.of(System.getProperty("comfyfleet.repo.dir", ".."),
                "comfyfleet-gateway/src/main/java/io/comfyfleet/gateway");
        Set<String> routes = new TreeSet<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = REGISTRATION.matcher(Files.readString(file));
                while (m.find()) {
                    routes.add(m.group(1).toUpperCase(Locale.ROOT) + " " + m.group(2));
                }
            }
        }
        return routes;
    }
}
