package io.comfyfleet.comfy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.json.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.node.ObjectNode;

/**
 * The client against a ComfyUI that takes every connection and never answers (a stuck event loop): the quick calls
 * end at their own bound, the others at the request timeout, an aborted call at once, and a download that stops
 * midway once nothing came for the request timeout.
 */
@Timeout(30)
class SilentComfyUiTest {
    private ServerSocket silent;
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    @BeforeEach
    void listen() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    held.add(silent.accept()); // kept open, never read nor answered
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
    }

    @AfterEach
    void close() throws IOException {
        silent.close();
        for (Socket s : held) {
            s.close();
        }
    }

    private ComfyClient client(Duration request, Duration quick) {
        return ComfyClient.builder(URI.create("http://127.0.0.1:" + silent.getLocalPort())).requestTimeout(request)
                .quickCallTimeout(quick).build();
    }

    private static ObjectNode prompt() {
        return (ObjectNode) Json.MAPPER.readTree("{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{}}}");
    }

    @Test
    void quickCallsEndAtTheirOwnBoundAndTheOthersAtTheRequestTimeout() {
        ComfyClient client = client(Duration.ofMillis(1500), Duration.ofMillis(300));

        assertThatThrownBy(() -> client.queuePrompt(prompt(), "p-1", "c-1", null))
                .isInstanceOfSatisfying(ComfyTimeoutException.class, e -> {
                    assertThat(e.route()).isEqualTo("POST /prompt");
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300));
                });
        assertThatThrownBy(() -> client.history("p-1")).isInstanceOfSatisfying(ComfyTimeoutException.class,
                e -> assertThat(e.route()).isEqualTo("GET /history/p-1"));
        assertThatThrownBy(client::queue).isInstanceOfSatisfying(ComfyTimeoutException.class,
                e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300)));

        long started = System.nanoTime();
        assertThatThrownBy(client::objectInfo).isInstanceOfSatisfying(ComfyTimeoutException.class,
                e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(1500)));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
    }

    @Test
    void anAbortedSubmitEndsAtOnce() throws Exception {
        ComfyClient client = client(Duration.ofSeconds(60), Duration.ofSeconds(60));
        CompletableFuture<Thread> caller = new CompletableFuture<>();
        CompletableFuture<RuntimeException> ended = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            caller.complete(Thread.currentThread());
            try {
                client.queuePrompt(prompt(), "p-2", "c-1", null);
                ended.complete(null);
            } catch (RuntimeException e) {
                ended.complete(e);
            }
        });
        Thread submitter = caller.get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> !held.isEmpty());
        Thread.sleep(100); // well into the wait for the answer

        long aborted = System.nanoTime();
        client.abort(submitter);

        assertThat(ended.get(2, TimeUnit.SECONDS)).isInstanceOf(ComfyUnavailableException.class)
                .hasMessageContaining("POST /prompt interrupted");
        assertThat(Duration.ofNanos(System.nanoTime() - aborted)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aDownloadThatStopsMidBodyFailsOnceNothingCameForTheRequestTimeout() throws Exception {
        try (ServerSocket stalls = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = stalls.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n"
                            + "0123456789").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    Thread.sleep(60_000); // the other 990 bytes never come
                } catch (IOException | InterruptedException e) {
                    // the test is over
                }
            });
            ComfyClient client = ComfyClient.builder(URI.create("http://127.0.0.1:" + stalls.getLocalPort()))
                    .requestTimeout(Duration.ofMillis(500)).build();

            long started = System.nanoTime();
            try (ViewStream view = client.view(new FileRef("img_00001_.png", "", "output"))) {
                assertThatThrownBy(() -> view.body().readAllBytes())
                        .isInstanceOf(java.net.http.HttpTimeoutException.class)
                        .hasMessage("ComfyUI sent nothing of GET /view of img_00001_.png for 500 ms");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        }
    }
}
