package io.comfyfleet.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code comfyfleet endpoints} and {@code rollout} pointed at something that is not the gateway's admin API (a web
 * server's page, a proxy's error page, a redirect) or at no URL at all: one line saying so and what to change, with
 * the exit code of the kind of failure, never a stack trace, a {@code null} or a whole HTML page.
 */
class AdminCommandsAgainstOtherServersTest {
    private static final String KEY = "cf-admin-0123456789abcdef";
    private static final String PAGE = "<!DOCTYPE html>\n<html>\n<head><title>Welcome</title></head>\n<body>"
            + "x".repeat(5000) + "</body></html>";
    private HttpServer server;
    private final List<String> redirectTargetSaw = new CopyOnWriteArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/page/admin/endpoints", ex -> reply(ex, 200, PAGE));
        server.createContext("/proxy/admin/endpoints", ex -> reply(ex, 502, PAGE));
        server.createContext("/moved/admin/endpoints", ex -> {
            ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + server.getAddress().getPort()
                    + "/elsewhere/admin/endpoints");
            ex.sendResponseHeaders(301, -1);
            ex.close();
        });
        server.createContext("/elsewhere/", ex -> {
            redirectTargetSaw.add(ex.getRequestHeaders().getFirst("Authorization"));
            reply(ex, 200, "{\"endpoints\":[]}");
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cl = new CommandLine(args[0].equals("endpoints") ? new EndpointsCommand() : new RolloutCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(java.util.Arrays.copyOfRange(args, 1, args.length));
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void aPageThatIsNotTheAdminApiIsExitCode1SayingSo() {
        for (String[] args : new String[][] {{"endpoints"}, {"endpoints", "--json"}, {"rollout", "ep", "--image", "a:1"}}) {
            String[] full = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                    java.util.stream.Stream.of("--url", url("/page"), "--key", KEY)).toArray(String[]::new);

            assertThat(run(full)).as(String.join(" ", args)).isEqualTo(1);
            assertThat(err.toString()).as(String.join(" ", args)).contains("answered something other than the admin"
                    + " API's JSON (<!DOCTYPE html> <html> <head><title>Welcome</title></head> <body>xxx")
                    .contains("): is --url the gateway's address?").doesNotContain("Exception").hasLineCount(1);
            assertThat(out.toString()).as(String.join(" ", args)).doesNotContain("null");
        }
    }

    @Test
    void aProxysErrorPageIsOneLineNotThePage() {
        assertThat(run("endpoints", "--url", url("/proxy"), "--key", KEY)).isEqualTo(1);

        assertThat(err.toString().strip()).startsWith("comfyfleet endpoints: GET " + url("/proxy/admin/endpoints")
                + " answered HTTP 502 (<!DOCTYPE html> <html>").endsWith("...): is --url the gateway's address?")
                .hasLineCount(1).hasSizeLessThan(400);
    }

    @Test
    void aRedirectIsNotFollowedAndNamesWhereItPointed() {
        assertThat(run("endpoints", "--url", url("/moved"), "--key", KEY)).isEqualTo(1);

        assertThat(err.toString().strip()).isEqualTo("comfyfleet endpoints: GET " + url("/moved/admin/endpoints")
                + " answered HTTP 301, a redirect to " + url("/elsewhere/admin/endpoints") + ": if that is the"
                + " gateway, pass its address as --url");
        assertThat(redirectTargetSaw).isEmpty();
    }

    @Test
    void aUrlThatIsNotAnHttpAddressIsExitCode2NamingTheOption() {
        for (String bad : new String[] {"127.0.0.1:8080", "ftp://host", "http://[::1", "http://host/?q=1"}) {
            assertThat(run("endpoints", "--url", bad, "--key", KEY)).as(bad).isEqualTo(2);
            assertThat(err.toString().strip()).as(bad).isEqualTo("comfyfleet endpoints: --url must be the gateway's"
                    + " address, like http://127.0.0.1:8080, got '" + bad.replaceAll("/+$", "") + "'");
        }
    }
}
