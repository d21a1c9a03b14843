package io.comfyfleet.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.testkit.FreePorts;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BlockingHttpTest {
    private final BlockingHttp http = new BlockingHttp(Duration.ofSeconds(2));
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch held = new CountDownLatch(1);
    private volatile String seenBody;
    private volatile String seenHeaders;
    private HttpServer server;
    private URI base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/teapot", ex -> {
            seenBody = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seenHeaders = ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Content-Type") + " "
                    + ex.getRequestHeaders().getFirst("Authorization");
            answer(ex, 418, "{\"error\":\"short and stout\"}");
        });
        server.createContext("/hold", ex -> {
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(ex, 200, "{}");
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    @Test
    void aPostSendsItsJsonAndHeadersAndAnErrorAnswerKeepsItsBody() throws IOException {
        BlockingHttp.Answer answer = http.exchange(base.resolve("teapot"), Map.of("Authorization", "KEY"),
                "{\"tea\":1}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
        assertThat(answer.status()).isEqualTo(418);
        assertThat(answer.body()).isEqualTo("{\"error\":\"short and stout\"}");
        assertThat(seenBody).isEqualTo("{\"tea\":1}");
        assertThat(seenHeaders).isEqualTo("POST application/json KEY");
        // and a GET on the same client
        assertThat(http.exchange(base.resolve("teapot"), Map.of(), null, Duration.ofSeconds(5)).status()).isEqualTo(418);
        assertThat(seenHeaders).startsWith("GET ");
    }

    @Test
    void anAnswerLaterThanTheTimeoutIsAnHttpTimeout() {
        assertThatThrownBy(() -> http.exchange(base.resolve("hold"), Map.of(), null, Duration.ofMillis(200)))
                .isInstanceOf(HttpTimeoutException.class).hasMessageContaining("200 ms");
    }

    @Test
    void nothingListeningIsAConnectException() throws IOException {
        // below the ephemeral range no port-0 bind takes it meanwhile, nor can the connection be to itself
        int closedPort = FreePorts.one();
        assertThatThrownBy(() -> http.exchange(URI.create("http://127.0.0.1:" + closedPort + "/x"), Map.of(), null,
                Duration.ofSeconds(1))).isInstanceOf(ConnectException.class);
    }

    @Test
    void abortEndsABlockedCallAndTheNextCallOfThatThread() throws Exception {
        CompletableFuture<Throwable> first = new CompletableFuture<>();
        CompletableFuture<Throwable> second = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            first.complete(failureOf(() -> http.exchange(base.resolve("hold"), Map.of(), null, Duration.ofSeconds(30))));
            second.complete(failureOf(() -> http.exchange(base.resolve("teapot"), Map.of(), null, Duration.ofSeconds(30))));
        });
        assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100); // the caller is now blocked reading the answer
        http.abort(caller);
        assertThat(first.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedIOException.class);
        assertThat(second.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedIOException.class);
        assertThat(seenBody).as("the call after the abort never reached the server").isNull();
    }

    private interface Call {
        void run() throws IOException;
    }

    private static Throwable failureOf(Call call) {
        try {
            call.run();
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    private static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    /**
     * An answer is held whole: without a cap, a server that never ends its body (or a huge one) fills the heap. Past
     * it the call fails naming the cap, and the connection is dropped rather than read to its end.
     */
    @Test
    void anAnswerPastTheCapIsRefusedNamingItAndAnAnswerUpToItIsRead() throws IOException {
        server.createContext("/endless", ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0); // chunked: no length to check up front
            byte[] chunk = "[1,".repeat(1024).getBytes(StandardCharsets.UTF_8);
            try {
                for (int i = 0; i < 100_000; i++) { // 300 MB: far past the cap
                    ex.getResponseBody().write(chunk);
                }
            } catch (IOException hungUp) {
                // the client stopped reading at its cap
            }
            ex.close();
        });
        server.createContext("/fits", ex -> answer(ex, 200, "\"" + "x".repeat(1022) + "\""));
        BlockingHttp capped = new BlockingHttp(Duration.ofSeconds(2), 1024);

        assertThatThrownBy(() -> capped.exchange(base.resolve("endless"), Map.of(), null, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(AnswerTooLargeException.class, e -> assertThat(e.maxBytes()).isEqualTo(1024))
                .hasMessageContaining("answered with a body over 1024 bytes");
        assertThat(capped.exchange(base.resolve("fits"), Map.of(), null, Duration.ofSeconds(5)).body()).hasSize(1024);
    }
}
