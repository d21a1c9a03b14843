package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Webhooks against a real receiver: RunPod's body, a verifiable signature, retries after failures. */
class WebhookTest {
    record Call(byte[] body, String signature) {}

    @TempDir
    Path dir;
    TestGateway gw;
    HttpServer receiver;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(dir);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            calls.add(new Call(body, exchange.getRequestHeaders().getFirst(WebhookSigner.HEADER)));
            int status = failuresLeft.getAndDecrement() > 0 ? 500 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        gw.close();
        receiver.stop(0);
    }

    @Test
    void aCompletedJobIsPostedSignedWithItsInputAndWebhook() {
        String hook = hookUrl();
        String id = gw.client.post("/v2/ep1/run", "{\"input\":{\"p\":1},\"webhook\":\"" + hook + "\"}").field("id");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":{\"images\":[]}}");

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 1);
        Call call = calls.getFirst();
        JsonNode body = JsonMapper.builder().build().readTree(call.body());
        assertThat(body.path("id").asString()).isEqualTo(id);
        assertThat(body.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(body.path("input").toString()).isEqualTo("{\"p\":1}");
        assertThat(body.path("output").toString()).isEqualTo("{\"images\":[]}");
        assertThat(body.path("webhook").asString()).isEqualTo(hook);
        assertThat(body.has("delayTime")).isTrue();
        WebhookSigner receiverSide = new WebhookSigner(TestGateway.WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8));
        assertThat(receiverSide.verify(call.signature(), call.body())).isTrue();
        assertThat(call.signature()).startsWith("t=" + gw.clock.instant().getEpochSecond() + ",v1=");
    }

    @Test
    void failedCancelledAndTimedOutJobsAreSentToo() {
        String failed = submitWithHook();
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + failed, "{\"error\":\"boom\"}");
        String cancelled = submitWithHook();
        gw.client.post("/v2/ep1/cancel/" + cancelled, null);
        String timedOut = gw.client.post("/v2/ep1/run", "{\"input\":{},\"webhook\":\"" + hookUrl()
                + "\",\"policy\":{\"executionTimeout\":5000}}").field("id");
        gw.take("w1");
        gw.clock.advance(Duration.ofSeconds(6));
        gw.gateway.housekeeping().sweepOnce();

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 3);
        List<String> seen = calls.stream().map(c -> JsonMapper.builder().build().readTree(c.body()))
                .map(n -> n.path("id").asString() + "=" + n.path("status").asString()).toList();
        assertThat(seen).containsExactlyInAnyOrder(failed + "=FAILED", cancelled + "=CANCELLED", timedOut + "=TIMED_OUT");
    }

    @Test
    void aFailingReceiverIsRetriedWithBackoff() {
        failuresLeft.set(2);
        String id = submitWithHook();
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 3);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway.pendingWebhooks() == 0);
        assertThat(calls).extracting(c -> new String(c.body(), StandardCharsets.UTF_8)).allMatch(b -> b.contains(id));
    }

    @Test
    void jobsWithoutAWebhookSendNothing() throws Exception {
        String id = gw.run("{}");
        gw.take("w1");
        gw.worker.postAsForm("/v2/ep1/job-done/w1/" + id, "{\"output\":1}");
        assertThat(gw.gateway.pendingWebhooks()).isZero();
        assertThat(calls).isEmpty();
    }

    private String submitWithHook() {
        return gw.client.post("/v2/ep1/run", "{\"input\":{},\"webhook\":\"" + hookUrl() + "\"}").field("id");
    }

    private String hookUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }
}
