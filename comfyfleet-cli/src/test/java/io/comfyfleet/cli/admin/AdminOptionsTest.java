package io.comfyfleet.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.cli.up.KeyFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which admin key {@code comfyfleet endpoints} and {@code rollout} send: {@code --key}, else the environment (picocli
 * puts it in {@code --key}), else the one {@code up} keeps for the {@code comfyfleet.yaml} of the folder, as
 * {@code submit} finds its client key.
 */
class AdminOptionsTest {
    @TempDir
    Path dir;
    private HttpServer gateway;
    private final List<String> sent = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startGatewayAndWriteItsConfiguration() throws Exception {
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/admin/endpoints", exchange -> {
            sent.add(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = "{\"endpoints\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        gateway.start();
        Files.writeString(dir.resolve("comfyfleet.yaml"), """
                server:
                  port: %d
                  adminKey: ${COMFYFLEET_ADMIN_KEY}
                """.formatted(gateway.getAddress().getPort()));
        KeyFile.in(dir.resolve("data")).write(Map.of("COMFYFLEET_ADMIN_KEY", "cf-admin-kept-by-up"));
    }

    @AfterEach
    void stopGateway() {
        gateway.stop(0);
    }

    private AdminOptions options(String key, String url) {
        AdminOptions options = new AdminOptions();
        options.folder = dir;
        options.key = key;
        options.url = url;
        return options;
    }

    @Test
    void withoutKeyOrVariableTheKeyUpKeepsIsUsed() {
        options(null, null).client().get("/admin/endpoints");

        assertThat(sent).containsExactly("Bearer cf-admin-kept-by-up");
    }

    @Test
    void aGivenKeyOrTheVariableWins() {
        options("cf-admin-given", null).client().get("/admin/endpoints");

        assertThat(sent).containsExactly("Bearer cf-admin-given");
    }

    @Test
    void aKeptKeyIsNotSentToAGatewayNamedWithUrl() {
        String named = "http://127.0.0.1:" + gateway.getAddress().getPort();

        assertThatThrownBy(() -> options(null, named).client()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no admin key").hasMessageContaining("--key")
                .hasMessageContaining(AdminOptions.KEY_ENV);
        assertThat(sent).isEmpty();
    }
}
