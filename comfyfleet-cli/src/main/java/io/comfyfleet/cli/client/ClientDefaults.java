package io.comfyfleet.cli.client;

import io.comfyfleet.cli.up.KeyFile;
import io.comfyfleet.gateway.config.ConfigYaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Where {@code submit} and {@code status} send requests when no {@code --url}/{@code --endpoint} is given: the
 * gateway that {@code comfyfleet up} starts from the {@code comfyfleet.yaml} of the current folder (its server port
 * and first endpoint), else {@code http://127.0.0.1:8080/v2} and endpoint {@code comfyui}.
 *
 * @param url      the API root, e.g. {@code http://127.0.0.1:8080/v2}
 * @param endpoint the endpoint name
 */
public record ClientDefaults(String url, String endpoint) {
    static final String CONFIG_FILE = "comfyfleet.yaml";
    static final ClientDefaults BUILT_IN = new ClientDefaults("http://127.0.0.1:8080/v2", "comfyui");

    /**
     * The defaults for a command run in {@code folder}.
     *
     * @throws IllegalArgumentException when {@code comfyfleet.yaml} exists but cannot be read as YAML
     */
    public static ClientDefaults in(Path folder) {
        Path file = folder.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            return BUILT_IN;
        }
        try {
            return from(ConfigYaml.read(Files.readString(file)));
        } catch (IOException | JacksonException e) {
            // the parser's own message ends in its internals ("[Source: REDACTED ...]"): its first part says what broke
            String why = e instanceof JacksonException yaml ? ConfigYaml.why(yaml) : e.getMessage();
            throw new IllegalArgumentException(file.toAbsolutePath() + " cannot be read (" + why
                    + "); fix it or pass --url and --endpoint", e);
        }
    }

    /**
     * The client key {@code comfyfleet up} keeps in the data folder of {@code folder}'s configuration (or of the
     * built-in defaults), when there is one: so the CLI works without {@code --key} after a start.
     */
    static Optional<String> storedKey(Path folder) {
        return storedKey(folder, ClientOptions.KEY_ENV);
    }

    /**
     * The key {@code comfyfleet up} keeps under {@code variable} ({@code COMFYFLEET_CLIENT_KEY},
     * {@code COMFYFLEET_ADMIN_KEY}) in the data folder of {@code folder}'s configuration (or of the built-in
     * defaults); empty when there is none or the file cannot be read (the caller then asks for {@code --key}).
     */
    public static Optional<String> storedKey(Path folder, String variable) {
        Path file = folder.resolve(CONFIG_FILE);
        JsonNode root = null;
        try {
            if (Files.isRegularFile(file)) {
                root = ConfigYaml.read(Files.readString(file));
            }
            return Optional.ofNullable(KeyFile.forConfig(root, folder.toAbsolutePath()).read().get(variable))
                    .filter(k -> !k.isBlank());
        } catch (IOException | JacksonException | UncheckedIOException e) {
            return Optional.empty(); // the caller then asks for --key
        }
    }

    static ClientDefaults from(JsonNode root) {
        if (root == null || !root.isObject()) {
            return BUILT_IN;
        }
        JsonNode server = root.path("server");
        int port = server.path("port").canConvertToInt() && server.path("port").asInt() > 0
                ? server.path("port").asInt() : 8080;
        String host = server.path("host").isString() ? server.path("host").asString().strip() : "127.0.0.1";
        // a gateway listening on every interface is reached on this machine through loopback
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        JsonNode first = root.path("endpoints").path(0).path("name");
        String endpoint = first.isString() && !first.asString().isBlank() ? first.asString().strip() : BUILT_IN.endpoint();
        return new ClientDefaults("http://" + host + ":" + port + "/v2", endpoint);
    }
}
