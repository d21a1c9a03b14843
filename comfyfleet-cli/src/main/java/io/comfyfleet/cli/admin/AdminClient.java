package io.comfyfleet.cli.admin;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The gateway's admin API over HTTP, for the CLI: {@code /admin/endpoints[/{ep}]} with the admin key. */
final class AdminClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String key;

    /** A failed call: {@code status} 0 when no answer came at all. */
    static final class AdminException extends RuntimeException {
        final int status;

        AdminException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /**
     * @param base the gateway's root, e.g. {@code http://127.0.0.1:8080}
     * @throws IllegalArgumentException naming {@code --url} when {@code base} is not an http(s) address
     */
    AdminClient(String base, String key) {
        this.base = checkedBase(base.replaceAll("/+$", ""));
        this.key = key;
    }

    private static String checkedBase(String base) {
        URI uri;
        try {
            uri = new URI(base);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null
                || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            throw new IllegalArgumentException("--url must be the gateway's address, like http://127.0.0.1:8080,"
                    + " got '" + base + "'");
        }
        return base;
    }

    JsonNode get(String path) {
        return send(request(path).GET());
    }

    JsonNode patch(String path, JsonNode body) {
        return send(request(path).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    static JsonMapper json() {
        return JSON;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key);
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AdminException(0, "cannot reach the gateway at " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException(0, "interrupted");
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (JacksonException e) {
            body = null;
        }
        int status = response.statusCode();
        String what = response.request().method() + " " + response.request().uri();
        if (status / 100 == 3) {
            // not followed: the admin key goes to the address given and nowhere else
            throw new AdminException(status, what + " answered HTTP " + status + ", a redirect to "
                    + response.headers().firstValue("Location").orElse("nowhere") + ": if that is the gateway,"
                    + " pass its address as --url");
        }
        if (status != 200) {
            String error = body != null && body.path("error").isString() ? body.path("error").asString()
                    : what + " answered HTTP " + status + " (" + excerpt(response.body()) + "): is --url the"
                            + " gateway's address?";
            if (status == 401) {
                error = "unauthorized: pass the admin key (--key or $" + AdminOptions.KEY_ENV + ", the gateway's"
                        + " server.adminKey)";
            }
            throw new AdminException(status, error);
        }
        if (body == null || !body.isObject()) {
            throw new AdminException(status, what + " answered something other than the admin API's JSON ("
                    + excerpt(response.body()) + "): is --url the gateway's address?");
        }
        return body;
    }

    /** The start of a body that is not the admin API's, on one line: a proxy's or another server's page. */
    private static String excerpt(String body) {
        String line = body.strip().replaceAll("\\s+", " ");
        return line.isEmpty() ? "an empty body" : line.length() <= 120 ? line : line.substring(0, 120) + "...";
    }
}
