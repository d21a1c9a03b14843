package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.dispatch.TakerConnection;
import io.comfyfleet.gateway.jobs.Json;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link ConnectionWatch} relies on in Jetty, on a bare Javalin server with the gateway's threading: a client
 * that closes its connection while its request is held is noticed, one that sends its next request early is not
 * taken for gone, the connection serves that request afterwards, and an answer whose write fails is reported.
 */
class ConnectionWatchTest {
    private static final String GET_HOLD = "GET /hold HTTP/1.1\r\nHost: t\r\n\r\n";
    private static final String GET_QUICK = "GET /quick HTTP/1.1\r\nHost: t\r\n\r\n";

    /** The held request's connection, once its handler holds it. */
    private final CompletableFuture<EndPoint> held = new CompletableFuture<>();
    private final CompletableFuture<Void> release = new CompletableFuture<>();
    private final CompletableFuture<String> hungUp = new CompletableFuture<>();
    private final CompletableFuture<String> unsent = new CompletableFuture<>();
    private Javalin app;

    @BeforeEach
    void start() {
        app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.routes.get("/hold", this::hold);
            config.routes.get("/answer", this::jobAnswer);
            config.routes.get("/quick", ctx -> ctx.result("quick"));
        }).start();
    }

    @AfterEach
    void stop() {
        release.complete(null);
        app.stop();
    }

    /** Held as a parked job-take is, watched, until the test releases it or the client hangs up. */
    private void hold(Context ctx) throws Exception {
        TakerConnection connection = ConnectionWatch.of(ctx);
        CountDownLatch over = new CountDownLatch(1);
        try (var watch = connection.watch(() -> {
            hungUp.complete("hung up");
            over.countDown();
        })) {
            release.thenRun(over::countDown);
            held.complete(endPoint(ctx));
            over.await(30, TimeUnit.SECONDS);
        }
        ctx.result("held");
    }

    /**
     * A job-take's answer, written as the gateway writes it once the test lets it: {@code ?size=} characters, small
     * (written when the request completes) or too large for the socket buffers (written by the handler).
     */
    private void jobAnswer(Context ctx) throws Exception {
        ConnectionWatch.onUnsent(ctx, () -> unsent.complete("unsent"));
        held.complete(endPoint(ctx));
        release.get(30, TimeUnit.SECONDS);
        int size = Integer.parseInt(ctx.queryParam("size"));
        HttpIO.json(ctx, Json.mapper().createObjectNode().put("input", "x".repeat(size)));
    }

    private static EndPoint endPoint(Context ctx) {
        return ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                .getEndPoint();
    }

    @Test
    void aClientThatClosesWhileItsRequestIsHeldIsNoticed() throws Exception {
        try (Socket client = connect()) {
            send(client, GET_HOLD);
            held.get(10, TimeUnit.SECONDS);

            client.close();

            assertThat(hungUp.get(10, TimeUnit.SECONDS)).isEqualTo("hung up");
        }
    }

    @Test
    void aRequestSentEarlyIsNotAHangUpAndIsServedAfterTheHeldOne() throws Exception {
        try (Socket client = connect()) {
            send(client, GET_HOLD);
            EndPoint connection = held.get(10, TimeUnit.SECONDS);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(connection::isFillInterested);

            send(client, GET_QUICK); // pipelined: the connection turns readable while the first request is held

            // the watch was told of it (its read interest is spent) and did not take it for a hang-up
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !connection.isFillInterested());
            assertThat(hungUp).isNotDone();
            release.complete(null);

            assertThat(answer(client.getInputStream())).isEqualTo("held");
            assertThat(answer(client.getInputStream())).isEqualTo("quick");
            assertThat(hungUp).isNotDone();
        }
    }

    @Test
    void aReleasedWatchLeavesTheConnectionToJettyForTheNextRequest() throws Exception {
        try (Socket client = connect()) {
            send(client, GET_HOLD);
            held.get(10, TimeUnit.SECONDS);
            release.complete(null);
            assertThat(answer(client.getInputStream())).isEqualTo("held");

            send(client, GET_QUICK);

            assertThat(answer(client.getInputStream())).isEqualTo("quick");
            assertThat(hungUp).isNotDone();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 16 << 20})
    void anAnswerThatCannotBeWrittenIsReportedUnsent(int size) throws Exception {
        try (Socket client = connect()) {
            send(client, "GET /answer?size=" + size + " HTTP/1.1\r\nHost: t\r\n\r\n");
            held.get(10, TimeUnit.SECONDS);
            client.setSoLinger(true, 0);
            client.close(); // a reset: every write to the connection fails from now on

            release.complete(null);

            assertThat(unsent.get(10, TimeUnit.SECONDS)).isEqualTo("unsent");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 16 << 20})
    void anAnswerWrittenWholeIsNotReportedUnsent(int size) throws Exception {
        try (Socket client = connect()) {
            send(client, "GET /answer?size=" + size + " HTTP/1.1\r\nHost: t\r\n\r\n");
            held.get(10, TimeUnit.SECONDS);
            release.complete(null);

            assertThat(answer(client.getInputStream())).hasSizeGreaterThan(size);
            send(client, GET_QUICK); // answered after the first request completed
            assertThat(answer(client.getInputStream())).isEqualTo("quick");
            assertThat(unsent).isNotDone();
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", app.port());
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static void send(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** The body of the next answer on the connection: Content-Length framed, or chunked (a large one). */
    private static String answer(InputStream in) throws IOException {
        int length = -1;
        boolean chunked = false;
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            String header = line.toLowerCase(java.util.Locale.ROOT);
            if (header.startsWith("content-length:")) {
                length = Integer.parseInt(header.substring("content-length:".length()).strip());
            }
            chunked |= header.equals("transfer-encoding: chunked");
        }
        if (!chunked) {
            return new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
        }
        StringBuilder body = new StringBuilder();
        for (int size = Integer.parseInt(line(in), 16); size > 0; size = Integer.parseInt(line(in), 16)) {
            body.append(new String(in.readNBytes(size), StandardCharsets.ISO_8859_1));
            line(in); // the chunk's CRLF
        }
        line(in); // the empty trailer
        return body.toString();
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection ended inside an answer");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
