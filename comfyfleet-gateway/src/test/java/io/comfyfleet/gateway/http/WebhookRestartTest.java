package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.core.job.JobStore;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.config.GatewayConfig;
import io.comfyfleet.gateway.support.TestGateway;
import io.comfyfleet.gateway.webhook.WebhookSigner;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A webhook still pending when the gateway stops is sent, signed, by the next gateway on the same store. */
class WebhookRestartTest {
    record Call(String body, String signature) {}

    @TempDir
    Path dir;
    HttpServer receiver;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(500);

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            calls.add(new Call(new String(body, StandardCharsets.UTF_8),
                    exchange.getRequestHeaders().getFirst(WebhookSigner.HEADER)));
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    @Test
    void aPendingCallIsSentAgainAfterARestartAndThenForgotten() {
        // the retry after the first failure waits 10 minutes: the gateway stops long before it
        GatewayConfig config = new ConfigLoader(name -> null).parse(
                TestGateway.yaml("").replace("backoff: 50ms", "backoff: 10m"), "test config", dir);
        String id;
        try (TestGateway first = new TestGateway(config)) {
            id = first.client.post("/v2/ep1/run", "{\"input\":{},\"webhook\":\"http://127.0.0.1:"
                    + receiver.getAddress().getPort() + "/hook\"}").field("id");
            first.take("w1");
            first.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"ok\":true}}");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> calls.size() == 1);
            assertThat(first.gateway.pendingWebhooks()).isEqualTo(1);
        }

        status.set(200);
        try (TestGateway second = new TestGateway(config)) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> calls.size() == 2);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> second.gateway.pendingWebhooks() == 0);
        }
        Call resent = calls.get(1);
        assertThat(resent.body()).contains("\"id\":\"" + id + "\"").contains("COMPLETED");
        assertThat(new WebhookSigner(TestGateway.WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8))
                .verify(resent.signature(), resent.body().getBytes(StandardCharsets.UTF_8))).isTrue();

        try (JobStore store = Gateway.openStore(config.store())) {
            assertThat(store.webhookOutbox().orElseThrow().pending(10)).isEmpty();
        }
    }
}
