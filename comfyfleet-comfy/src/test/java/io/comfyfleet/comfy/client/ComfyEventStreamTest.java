package io.comfyfleet.comfy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.comfy.client.events.ComfyEvent;
import io.comfyfleet.comfy.client.events.ComfyEventListener;
import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The WebSocket side: fragment reassembly, bad frames, close reporting, reconnect order. */
@Timeout(30)
class ComfyEventStreamTest {
    private Javalin server;
    private final List<String> serverLog = Collections.synchronizedList(new ArrayList<>());
    private final List<WsContext> sessions = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private ComfyClient serve(Consumer<WsContext> onConnect) {
        server = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.ws("/ws", ws -> {
                ws.onConnect(ctx -> {
                    long stillOpen = sessions.stream().filter(s -> s.session.isOpen()).count();
                    sessions.add(ctx);
                    serverLog.add("connect " + ctx.queryParam("clientId") + (ctx.header("Origin") == null ? "" : " with Origin")
                            + (stillOpen == 0 ? "" : " while " + stillOpen + " open"));
                    onConnect.accept(ctx);
                });
                ws.onClose(ctx -> serverLog.add("close " + ctx.queryParam("clientId")));
                ws.onMessage(ctx -> {
                    serverLog.add("message " + ctx.message());
                    // ComfyUI answers a client's feature_flags with its own
                    ctx.send("{\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}");
                });
            });
        }).start("127.0.0.1", 0);
        return ComfyClient.create(URI.create("http://127.0.0.1:" + server.port()));
    }

    private static final class Collected implements ComfyEventListener {
        final List<ComfyEvent> events = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> closes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onEvent(ComfyEvent event) {
            events.add(event);
        }

        @Override
        public void onClosed(int statusCode, String reason) {
            closes.add(statusCode);
        }
    }

    private static void sendPartText(WsContext ctx, String part, boolean last) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        ctx.session.sendPartialText(part, last, Callback.from(() -> sent.complete(null), sent::completeExceptionally));
        sent.orTimeout(5, TimeUnit.SECONDS).join();
    }

    private static void sendPartBinary(WsContext ctx, byte[] part, boolean last) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        ctx.session.sendPartialBinary(ByteBuffer.wrap(part), last, Callback.from(() -> sent.complete(null), sent::completeExceptionally));
        sent.orTimeout(5, TimeUnit.SECONDS).join();
    }

    @Test
    void fragmentedTextAndBinaryMessagesAreReassembled() {
        ComfyClient client = serve(ctx -> Thread.ofVirtual().start(() -> {
            sendPartText(ctx, "{\"type\":\"status\",\"da", false);
            sendPartText(ctx, "ta\":{\"status\":{\"exec_info\":{\"queue_remaining\":2}},", false);
            sendPartText(ctx, "\"sid\":\"c1\"}}", true);
            sendPartBinary(ctx, new byte[] {0, 0, 0, 1, 0, 0}, false);
            sendPartBinary(ctx, new byte[] {0, 1, (byte) 0xff, (byte) 0xd8, 7}, true);
            ctx.send("{\"type\":\"crystools.monitor\",\"data\":{}}");
        }));
        Collected collected = new Collected();

        try (ComfyEventStream stream = client.openEventStream("c1", collected)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> collected.events.size() == 3);
            assertThat(collected.events.get(0)).isEqualTo(new ComfyEvent.Status(2, "c1"));
            ComfyEvent.PreviewImage preview = (ComfyEvent.PreviewImage) collected.events.get(1);
            assertThat(preview.format()).isEqualTo(ComfyEvent.ImageFormat.JPEG);
            assertThat(preview.bytes()).containsExactly(0xff, 0xd8, 7);
            assertThat(collected.events.get(2).type()).isEqualTo("crystools.monitor");
            assertThat(stream.isOpen()).isTrue();
        }
        assertThat(serverLog).containsExactly("connect c1", "close c1").doesNotContain("connect c1 with Origin");
    }

    @Test
    void openingWithoutAGreetingStillSucceedsAfterTheConnectTimeout() {
        serve(ctx -> { });
        ComfyClient client = ComfyClient.builder(URI.create("http://127.0.0.1:" + server.port()))
                .connectTimeout(Duration.ofMillis(200)).build();

        try (ComfyEventStream stream = client.openEventStream("c5", new Collected())) {
            assertThat(stream.isOpen()).isTrue();
        }
    }

    @Test
    void anUnreadableFrameIsSkippedAndTheStreamGoesOn() {
        ComfyClient client = serve(ctx -> {
            ctx.send("this is not json");
            ctx.send("{\"type\":\"execution_start\",\"data\":{\"prompt_id\":\"p\",\"timestamp\":5}}");
        });
        Collected collected = new Collected();

        try (ComfyEventStream stream = client.openEventStream("c2", collected)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !collected.events.isEmpty());
            assertThat(collected.events).containsExactly(new ComfyEvent.ExecutionStart("p", 5));
            assertThat(stream.isOpen()).isTrue();
        }
    }

    @Test
    void aServerCloseIsReported() {
        ComfyClient client = serve(ctx -> ctx.closeSession(1011, "going away"));
        Collected collected = new Collected();

        try (ComfyEventStream stream = client.openEventStream("c3", collected)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !collected.closes.isEmpty());
            assertThat(collected.closes).containsExactly(1011);
            assertThat(stream.isOpen()).isFalse();
        }
    }

    @Test
    void reconnectClosesTheOldSocketBeforeOpeningTheNewOne() {
        // ComfyUI drops a client id when an older socket with that id closes after the new one connected
        ComfyClient client = serve(ctx -> ctx.send("{\"type\":\"status\",\"data\":{\"sid\":\"c4\"}}"));
        Collected collected = new Collected();

        try (ComfyEventStream stream = client.openEventStream("c4", collected)) {
            stream.reconnect();
            assertThat(stream.isOpen()).isTrue();
            // both opens returned only after the greeting, so the server had seen each connect by then
            assertThat(collected.events).hasSize(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> serverLog.size() == 3);
            assertThat(serverLog).containsExactlyInAnyOrder("connect c4", "close c4", "connect c4");
            assertThat(collected.closes).as("the replaced socket's close is not reported").isEmpty();
        }
    }

    @Test
    void featureFlagsAreSentAsTheFirstClientFrameAndTheReplyIsTyped() {
        ComfyClient client = serve(ctx -> ctx.send("{\"type\":\"status\",\"data\":{\"sid\":\"c6\"}}"));
        Collected collected = new Collected();

        try (ComfyEventStream stream = client.openEventStream("c6", collected)) {
            stream.sendFeatureFlags(io.comfyfleet.common.json.Json.MAPPER.createObjectNode().put("supports_preview_metadata", true));
            await().atMost(Duration.ofSeconds(5)).until(() -> collected.events.size() == 2);
            assertThat(collected.events.get(1)).isInstanceOf(ComfyEvent.FeatureFlags.class);
            assertThat(serverLog).contains("message {\"type\":\"feature_flags\",\"data\":{\"supports_preview_metadata\":true}}");
        }
    }
}
