package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.core.webhook.WebhookOutbox;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.GatewayDyingAfterAnEnd;
import io.comfyfleet.gateway.support.PostgresPerTest;
import io.comfyfleet.gateway.support.TestGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateways on one (embedded, real) PostgreSQL: the webhook of a job that ended through gateway B is tried by B
 * alone while B runs, and still delivered, once, when B goes away before it could deliver it while A keeps running
 * (before, the call waited in the outbox until some gateway started).
 */
class WebhooksOnTwoGatewaysTest extends PostgresPerTest {
    /** B's first attempt fails, and B stops (or dies) during the backoff before its second. */
    private static final String SLOW_RETRIES =
            "webhooks: {attempts: 3, backoff: 20s, timeout: 2s, allowPrivateTargets: true}";

    HttpServer receiver;
    final AtomicBoolean receiverDown = new AtomicBoolean(true);
    final List<String> refused = new CopyOnWriteArrayList<>();
    final List<String> delivered = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean down = receiverDown.get();
            (down ? refused : delivered).add(body);
            exchange.sendResponseHeaders(down ? 503 : 200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() throws Exception {
        receiver.stop(0);
    }

    @Test
    void aCallLeftByAGatewayThatStopsIsSentByTheOtherOnce() {
        try (TestGateway a = gateway(); var b = new Closing(gateway())) {
            String id = a.client.post("/v2/ep1/run", "{\"input\":{\"n\":1},\"webhook\":\"" + hook() + "\"}")
                    .field("id");
            assertThat(b.take("w1")).isEqualTo(id);
            assertThat(b.worker.post("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"ok\":true}}").status())
                    .isEqualTo(200);
            Awaitility.await("B's first attempt").atMost(Duration.ofSeconds(10)).until(() -> refused.size() == 1);
            // while B waits to try again, A (looking every 2 s for calls nobody holds) leaves B's call alone
            Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8))
                    .until(() -> refused.size() == 1);
            receiverDown.set(false);
            b.closeNow(); // a rolling update or a scale-down stops B during its backoff

            Awaitility.await("A sends the call B left").atMost(Duration.ofSeconds(20)).until(() -> delivered.size() == 1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.gateway.pendingWebhooks() == 0);
            assertThat(delivered.getFirst()).contains("\"id\":\"" + id + "\"").contains("\"status\":\"COMPLETED\"");
            assertThat(refused).as("nobody else tried it meanwhile").hasSize(1);
        }
        assertThat(delivered).as("delivered once").hasSize(1);
    }

    @Test
    void aCallLeftByAGatewayThatDiesRightAfterTheEndIsSentByTheOtherAfterItsHandOver() throws Exception {
        receiverDown.set(false);
        String yaml = yaml();
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, yaml);
        try (TestGateway a = new TestGateway(new ConfigLoader(name -> null).parse(yaml, "test config", dir.resolve("a")))) {
            Process dying = launch(config);
            String id;
            try {
                Api client = new Api("http://127.0.0.1:" + port(dying), TestGateway.CLIENT_KEY);
                Api worker = client.withKey(TestGateway.WORKER_KEY);
                id = client.post("/v2/ep1/run", "{\"input\":{\"n\":2},\"webhook\":\"" + hook() + "\"}").field("id");
                assertThat(worker.get("/v2/ep1/job-take/w1?gpu=SIM&job_in_progress=0").field("id")).isEqualTo(id);
                // B dies the moment the job's end is committed, before it tried the call
                assertThatThrownBy(() -> worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"ok\":true}}"));
                assertThat(dying.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                dying.destroyForcibly();
            }
            assertThat(a.status(id).field("status")).isEqualTo("COMPLETED");
            // B stored the call on the real clock; A's clock reaches the end of B's hand-over time
            a.clock.advance(Duration.between(a.clock.instant(), Instant.now()).plus(WebhookOutbox.HAND_OVER)
                    .plusSeconds(1));

            Awaitility.await("A sends the call B left").atMost(Duration.ofSeconds(20)).until(() -> delivered.size() == 1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.gateway.pendingWebhooks() == 0);
            assertThat(delivered.getFirst()).contains("\"id\":\"" + id + "\"").contains("\"status\":\"COMPLETED\"");
        }
        assertThat(delivered).as("delivered once").hasSize(1);
    }

    /** A gateway the test stops in the middle, closed at the end if the test did not get that far. */
    private static final class Closing implements AutoCloseable {
        final TestGateway gateway;
        final Api client;
        final Api worker;
        private boolean closed;

        Closing(TestGateway gateway) {
            this.gateway = gateway;
            this.client = gateway.client;
            this.worker = gateway.worker;
        }

        String take(String workerId) {
            return gateway.take(workerId);
        }

        void closeNow() {
            closed = true;
            gateway.close();
        }

        @Override
        public void close() {
            if (!closed) {
                gateway.close();
            }
        }
    }

    private TestGateway gateway() {
        return new TestGateway(new ConfigLoader(name -> null).parse(yaml(), "test config",
                dir.resolve("g" + System.nanoTime())));
    }

    private String yaml() {
        String base = TestGateway.yaml("");
        String webhooks = base.lines().filter(l -> l.startsWith("webhooks:")).findFirst().orElseThrow();
        return base.replace(webhooks, SLOW_RETRIES) + storeYaml();
    }

    private String hook() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    private static Process launch(Path config) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), GatewayDyingAfterAnEnd.class.getName(),
                config.toString()).redirectErrorStream(true).start();
    }

    /** Waits for the process's LISTENING line, then keeps draining its output. */
    private static int port(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            if (line.startsWith("LISTENING ")) {
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
                return Integer.parseInt(line.substring("LISTENING ".length()).trim());
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the gateway process did not start:\n" + seen);
    }
}
