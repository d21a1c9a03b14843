package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.gateway.support.Api;
import io.comfyfleet.gateway.support.GatewayDyingAfterAnEnd;
import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import io.comfyfleet.gateway.webhook.WebhookSigner;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway killed right after a job's end is committed, before it does anything else about it, still sends
 * the job's webhook: the call was stored in the same transaction as the end, and the next gateway on the same
 * store sends it. (When the call was a second transaction after the end, this killed gateway lost it.)
 */
class WebhookCrashTest {
    @TempDir
    Path dir;
    HttpServer receiver;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<String> signatures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            calls.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            signatures.add(exchange.getRequestHeaders().getFirst(WebhookSigner.HEADER));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    @Test
    void onSqlite() throws Exception {
        aWebhookSurvivesAKillRightAfterTheJobsEnd("");
    }

    @Test
    void onPostgres() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            aWebhookSurvivesAKillRightAfterTheJobsEnd("store: {type: postgres, url: \""
                    + postgres.getJdbcUrl("postgres", "postgres") + "\", user: postgres}\n");
        }
    }

    private void aWebhookSurvivesAKillRightAfterTheJobsEnd(String store) throws Exception {
        String yaml = TestGateway.yaml("") + store;
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, yaml);
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";

        Process dying = launch(config);
        String id;
        try {
            String base = "http://127.0.0.1:" + port(dying);
            Api client = new Api(base, TestGateway.CLIENT_KEY);
            Api worker = new Api(base, TestGateway.WORKER_KEY);
            id = client.post("/v2/ep1/run", "{\"input\":{\"n\":1},\"webhook\":\"" + hook + "\"}").field("id");
            Reply taken = worker.get("/v2/ep1/job-take/w1?gpu=SIM&job_in_progress=0");
            assertThat(taken.field("id")).isEqualTo(id);
            // the gateway dies while answering: the worker sees its connection cut
            assertThatThrownBy(() -> worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"ok\":true}}"));
            assertThat(dying.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(dying.exitValue()).isEqualTo(137);
        } finally {
            dying.destroyForcibly();
        }
        assertThat(calls).isEmpty();

        try (TestGateway next = new TestGateway(new ConfigLoader(name -> null).parse(yaml, "test config", dir))) {
            assertThat(next.status(id).field("status")).isEqualTo("COMPLETED");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> calls.size() == 1);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> next.gateway.pendingWebhooks() == 0);
        }
        assertThat(calls.getFirst()).contains("\"id\":\"" + id + "\"").contains("\"status\":\"COMPLETED\"")
                .contains("\"ok\":true");
        assertThat(new WebhookSigner(TestGateway.WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8))
                .verify(signatures.getFirst(), calls.getFirst().getBytes(StandardCharsets.UTF_8))).isTrue();
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
