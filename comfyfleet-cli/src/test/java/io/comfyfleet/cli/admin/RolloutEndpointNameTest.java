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
 * {@code comfyfleet rollout ENDPOINT} asks about that endpoint and no other, whatever the name holds: a mistyped
 * {@code ep?} or {@code ep#} used to be sent unencoded, so the gateway read it as endpoint {@code ep} and rolled it out.
 * And what {@code --wait} says when the roll-out does not end in time.
 */
class RolloutEndpointNameTest {
    private HttpServer gateway;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/admin/endpoints/", ex -> {
            String raw = ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? ""
                    : "?" + ex.getRequestURI().getRawQuery());
            requests.add(ex.getRequestMethod() + " " + raw);
            String name = ex.getRequestURI().getPath().substring("/admin/endpoints/".length());
            // as the gateway answers: only "ep" is configured
            boolean known = name.equals("ep");
            byte[] body = (known ? "{\"name\":\"ep\",\"image\":null,\"revision\":1,\"maxSurge\":1}"
                    : "{\"error\":\"no endpoint named " + name + " is configured\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(known ? 200 : 404, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        gateway.start();
    }

    @AfterEach
    void stop() {
        gateway.stop(0);
    }

    @Test
    void aNameWithUrlCharactersIsAskedForAsItIsAndNeverChangesAnotherEndpoint() {
        for (String name : new String[] {"ep?", "ep#", "ep/../ep", "e p"}) {
            requests.clear();
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new RolloutCommand());
            cl.setOut(new PrintWriter(new StringWriter(), true));
            cl.setErr(new PrintWriter(err, true));

            int exit = cl.execute(name, "--image", "x:1", "--url", "http://127.0.0.1:" + gateway.getAddress().getPort(),
                    "--key", "cf-admin-0123456789abcdef");

            assertThat(exit).as(name).isEqualTo(2);
            assertThat(err.toString().strip()).as(name).isEqualTo("comfyfleet rollout: no endpoint named " + name
                    + " is configured");
            assertThat(requests).as(name).noneMatch(r -> r.startsWith("PATCH"));
        }
    }

    /** The endpoint's image unset (null) is the provider's default image, said so: not "(none)" or "null". */
    @Test
    void theProvidersDefaultImageIsNamedAsSuch() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new RolloutCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));

        // the stand-in gateway answers image null before and after: a roll-back to the default
        int exit = cl.execute("ep", "--rollback", "--url", "http://127.0.0.1:" + gateway.getAddress().getPort(),
                "--key", "cf-admin-0123456789abcdef");

        assertThat(exit).isZero();
        assertThat(out.toString().strip()).isEqualTo("endpoint ep: image the provider's default -> the provider's"
                + " default (revision 1, max surge 1)");
    }

    @Test
    void aRolloutNotDoneInTimeSaysHowLongItWaitedInWords() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new RolloutCommand());
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));

        // the stand-in gateway never starts a roll-out: the wait runs out
        int exit = cl.execute("ep", "--image", "x:1", "--wait", "--timeout", "1s", "--url",
                "http://127.0.0.1:" + gateway.getAddress().getPort(), "--key", "cf-admin-0123456789abcdef");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("comfyfleet rollout: not done after 1.0 s; the autoscaler has not"
                + " started it (is the gateway running its autoscaler, and does its provider run images?)");
    }
}
