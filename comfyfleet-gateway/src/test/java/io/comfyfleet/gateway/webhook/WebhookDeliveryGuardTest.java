package io.comfyfleet.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.gateway.config.WebhookSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery-time side of the SSRF guard, against a real receiver on loopback. Host names are resolved by a
 * fixed table (never DNS), so a delivery that arrives proves the client connected to the address the guard
 * checked, not to one it looked up again by itself.
 */
class WebhookDeliveryGuardTest {
    private static final byte[] BODY = "{\"id\":\"j1\"}".getBytes(StandardCharsets.UTF_8);
    HttpServer receiver;
    final List<String> calls = new CopyOnWriteArrayList<>();
    WebhookSender sender;

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            calls.add(exchange.getRequestURI().getPath() + " Host=" + exchange.getRequestHeaders().getFirst("Host"));
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.createContext("/moved", exchange -> {
            calls.add("/moved");
            exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + port() + "/hook");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        if (sender != null) {
            sender.close();
        }
        receiver.stop(0);
    }

    @Test
    void aCheckedNameIsCalledAtTheAddressTheCheckSaw() {
        sender = sender(true, host -> {
            if (!host.equals("hooks.test")) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        });
        sender.ended("j1", URI.create("http://hooks.test:" + port() + "/hook"), () -> BODY, Optional.empty());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sender.delivered() == 1);
        assertThat(calls).containsExactly("/hook Host=hooks.test:" + port());
    }

    @Test
    void aTargetThatIsInternalAtDeliveryIsNotCalled() {
        sender = sender(false, host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        sender.ended("j1", URI.create("http://hooks.test:" + port() + "/hook"), () -> BODY, Optional.empty());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sender.abandoned() == 1);
        // given up at once, without the retries a failing receiver would get
        assertThat(sender.pending()).isZero();
        assertThat(calls).isEmpty();
    }

    @Test
    void aNameThatRebindsToLoopbackAfterTheCheckIsNotCalled() {
        AtomicInteger lookups = new AtomicInteger();
        // the first answer is public (TEST-NET-3, never connected to), every later one is loopback
        sender = sender(false, host -> new InetAddress[] {lookups.getAndIncrement() == 0
                ? InetAddress.getByName("203.0.113.7") : InetAddress.getLoopbackAddress()});
        URI hook = URI.create("http://rebind.test:" + port() + "/hook");
        assertThat(sender.targets().check(hook.toString())).isEqualTo(hook);

        sender.ended("j1", hook, () -> BODY, Optional.empty());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sender.abandoned() == 1);
        assertThat(lookups.get()).isGreaterThanOrEqualTo(2);
        assertThat(calls).isEmpty();
    }

    @Test
    void aRedirectIsNotFollowed() {
        sender = sender(true, host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        sender.ended("j1", URI.create("http://hooks.test:" + port() + "/moved"), () -> BODY, Optional.empty());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sender.abandoned() == 1);
        assertThat(calls).containsOnly("/moved");
    }

    @Test
    void aRedirectIsGivenUpAtOnceInsteadOfRetried() {
        sender = sender(true, host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        sender.ended("j1", URI.create("http://hooks.test:" + port() + "/moved"), () -> BODY, Optional.empty());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sender.abandoned() == 1 && sender.pending() == 0);
        // the settings allow two attempts; a second would get the same redirect
        assertThat(calls).containsExactly("/moved");
    }

    @Test
    void aNameWithAnyInternalAnswerIsRefused() {
        WebhookTargets targets = new WebhookTargets(false, host -> new InetAddress[] {
                InetAddress.getByName("203.0.113.7"), InetAddress.getByName("10.1.2.3")});
        assertThatThrownBy(() -> targets.check("https://mixed.test/hook"))
                .isInstanceOf(WebhookTargetRefusedException.class)
                .hasMessageContaining("resolves to 10.1.2.3, a private address");
        WebhookTargets unknown = new WebhookTargets(false, host -> {
            throw new UnknownHostException(host);
        });
        assertThatThrownBy(() -> unknown.check("https://nowhere.test/hook"))
                .hasMessageContaining("nowhere.test does not resolve");
    }

    private WebhookSender sender(boolean allowPrivate, WebhookTargets.Resolver resolver) {
        WebhookSettings settings = new WebhookSettings(2, Duration.ofMillis(20), Duration.ofSeconds(5), allowPrivate);
        return new WebhookSender(settings, Clock.systemUTC(), new WebhookTargets(allowPrivate, resolver), Optional.empty());
    }

    private int port() {
        return receiver.getAddress().getPort();
    }
}
