package io.comfyfleet.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK against a server that answers what no gateway should (garbage, redirects, a stalled body) or what a client
 * must still handle (odd output names, two outputs of one name).
 */
class HostileServerTest {
    private static final String KEY = "cf-client-hostile-0123456789";
    @TempDir
    Path dir;
    HttpServer gateway;
    HttpServer elsewhere;
    final Map<String, Handler> routes = new ConcurrentHashMap<>();
    final List<String> elsewhereSaw = new CopyOnWriteArrayList<>();

    interface Handler {
        void handle(HttpExchange ex) throws Exception;
    }

    @BeforeEach
    void start() throws IOException {
        elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        elsewhere.createContext("/", ex -> {
            elsewhereSaw.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " key="
                    + ex.getRequestHeaders().getFirst("Authorization"));
            reply(ex, 200, "{\"id\":\"from-elsewhere\",\"status\":\"COMPLETED\",\"output\":{}}");
        });
        elsewhere.start();
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", ex -> {
            Handler h = routes.get(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            try {
                if (h == null) {
                    reply(ex, 404, "{\"error\":\"no route\"}");
                } else {
                    h.handle(ex);
                }
            } catch (Exception e) {
                ex.close();
            }
        });
        gateway.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        gateway.start();
    }

    @AfterEach
    void stop() {
        gateway.stop(0);
        elsewhere.stop(0);
    }

    private Endpoint endpoint(Duration requestTimeout) {
        return ComfyFleetClient.builder().baseUrl("http://127.0.0.1:" + gateway.getAddress().getPort() + "/v2")
                .apiKey(KEY).requestTimeout(requestTimeout).pollInterval(Duration.ofMillis(20)).useEvents(false)
                .build().endpoint("ep");
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        ex.getRequestBody().readAllBytes();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
        ex.close();
    }

    private String elsewhereUrl(String path) {
        return "http://localhost:" + elsewhere.getAddress().getPort() + path;
    }

    @Test
    void aRedirectedSubmissionIsNotFollowedAndSaysWhereItPointed() {
        for (int code : new int[] {301, 302, 303, 307, 308}) {
            routes.put("POST /v2/ep/run", ex -> {
                ex.getRequestBody().readAllBytes();
                ex.getResponseHeaders().set("Location", elsewhereUrl("/v2/ep/run"));
                ex.sendResponseHeaders(code, -1);
                ex.close();
            });

            assertThatThrownBy(() -> endpoint(Duration.ofSeconds(5)).run(ClientAgainstGatewayTest.WORKFLOW))
                    .as("%d", code).isInstanceOf(ComfyFleetException.class)
                    .hasMessageContaining("answered HTTP " + code)
                    .hasMessageContaining(elsewhereUrl("/v2/ep/run"));
        }
        assertThat(elsewhereSaw).as("neither the job nor the key went to where the redirects pointed").isEmpty();
    }

    @Test
    void aStatusBodyThatStallsEndsWithinTheRequestTimeout() {
        routes.put("GET /v2/ep/status/slow-1", ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 1000);
            OutputStream out = ex.getResponseBody();
            out.write("{\"id\":\"slow-1\",".getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(30_000);
            ex.close();
        });
        long started = System.nanoTime();

        assertThatThrownBy(() -> endpoint(Duration.ofSeconds(1)).status("slow-1")).isInstanceOf(ComfyFleetException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aSubmissionAnswerWithoutAJobIdSaysSoAndWhatTheServerSent() {
        for (String body : new String[] {"[1,2,3]", "{\"id\": {\"x\": 1}}", "{\"status\": \"IN_QUEUE\"}", ""}) {
            routes.put("POST /v2/ep/run", ex -> reply(ex, 200, body));

            assertThatThrownBy(() -> endpoint(Duration.ofSeconds(5)).run(ClientAgainstGatewayTest.WORKFLOW))
                    .as(body).isInstanceOf(ComfyFleetException.class)
                    .hasMessageStartingWith("POST http://127.0.0.1:" + gateway.getAddress().getPort()
                            + "/v2/ep/run answered without a job id (\"id\"): ")
                    .hasMessageEndingWith("; is the base URL a ComfyFleet gateway or RunPod (.../v2)?");
        }
    }

    @Test
    void outputNamesNoFileCanHaveAreSavedUnderASafeNameAndABadLinkIsNamed() throws IOException {
        String longName = "é".repeat(200) + ".png"; // 404 bytes in UTF-8: more than a file name may have
        routes.put("GET /v2/ep/status/odd-1", ex -> reply(ex, 200, "{\"id\":\"odd-1\",\"status\":\"COMPLETED\","
                + "\"output\":{\"images\":[{\"filename\":\"a\\u0000b\\nc.png\",\"type\":\"base64\",\"data\":\"aGk=\"},"
                + "{\"filename\":\"" + longName + "\",\"type\":\"base64\",\"data\":\"aGk=\"}]}}"));
        JobResult result = endpoint(Duration.ofSeconds(5)).job("odd-1").await(Duration.ofSeconds(5));

        List<Path> saved = result.saveTo(dir);

        assertThat(saved.get(0).getFileName().toString()).isEqualTo("a_b_c.png");
        String shortened = saved.get(1).getFileName().toString();
        assertThat(shortened).endsWith(".png").startsWith("éé");
        assertThat(shortened.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
        assertThat(java.nio.file.Files.readString(saved.get(1))).isEqualTo("hi");

        routes.put("GET /v2/ep/status/odd-2", ex -> reply(ex, 200, "{\"id\":\"odd-2\",\"status\":\"COMPLETED\","
                + "\"output\":{\"images\":[{\"filename\":\"x.png\",\"type\":\"url\",\"data\":\"not a url\"}]}}"));
        JobResult badLink = endpoint(Duration.ofSeconds(5)).job("odd-2").await(Duration.ofSeconds(5));
        assertThatThrownBy(() -> badLink.saveTo(dir)).isInstanceOf(ComfyFleetException.class)
                .hasMessage("output x.png of job odd-2 links to 'not a url', which is not a URL");
    }

    @Test
    void twoOutputsOfOneNameFromTwoSubfoldersAreEachSaved() throws IOException {
        // two save nodes with the prefixes a/img and b/img: ComfyUI names both files img_00001_.png
        routes.put("GET /v2/ep/status/two-1", ex -> reply(ex, 200, "{\"id\":\"two-1\",\"status\":\"COMPLETED\","
                + "\"output\":{\"outputs\":["
                + "{\"node_id\":\"3\",\"kind\":\"image\",\"filename\":\"img_00001_.png\",\"subfolder\":\"p/a\","
                + "\"type\":\"base64\",\"data\":\"Zmlyc3Q=\"},"
                + "{\"node_id\":\"4\",\"kind\":\"image\",\"filename\":\"img_00001_.png\",\"subfolder\":\"p/b\","
                + "\"type\":\"base64\",\"data\":\"c2Vjb25k\"},"
                + "{\"node_id\":\"5\",\"kind\":\"image\",\"filename\":\"IMG_00001_.png\",\"subfolder\":\"p/c\","
                + "\"type\":\"base64\",\"data\":\"dGhpcmQ=\"}]}}"));
        JobResult result = endpoint(Duration.ofSeconds(5)).job("two-1").await(Duration.ofSeconds(5));

        List<Path> saved = result.saveTo(dir);

        assertThat(saved).extracting(p -> p.getFileName().toString())
                .containsExactly("img_00001_.png", "img_00001_-2.png", "IMG_00001_-3.png");
        assertThat(saved).extracting(java.nio.file.Files::readString).containsExactly("first", "second", "third");
    }

    /** A page where the event stream should be (a proxy that does not pass SSE): the wait follows /status instead. */
    @Test
    void aPageInsteadOfTheEventStreamIsLeftForStatusPolls() {
        java.util.concurrent.atomic.AtomicInteger pages = new java.util.concurrent.atomic.AtomicInteger();
        routes.put("GET /v2/ep/events/page-1", ex -> {
            pages.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            byte[] page = "<html><body>Streaming is not allowed here</body></html>".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, page.length);
            ex.getResponseBody().write(page);
            ex.close();
        });
        routes.put("GET /v2/ep/status/page-1", ex -> reply(ex, 200,
                "{\"id\":\"page-1\",\"status\":\"COMPLETED\",\"output\":{\"images\":[]}}"));
        Endpoint ep = ComfyFleetClient.builder().baseUrl("http://127.0.0.1:" + gateway.getAddress().getPort() + "/v2")
                .apiKey(KEY).pollInterval(Duration.ofMillis(20)).useEvents(true).build().endpoint("ep");

        JobResult result = ep.job("page-1").await(Duration.ofSeconds(10));

        assertThat(result.status().state()).isEqualTo(JobState.COMPLETED);
        assertThat(pages).as("the page was asked for once, not again and again").hasValue(1);
    }

    /** Sends {@code head}, then {@code unit} over and over, 4 KB at a time, until the client hangs up. */
    private static Handler endless(String contentType, String head, String unit) {
        return ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Content-Type", contentType);
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(head.getBytes(StandardCharsets.UTF_8));
            byte[] chunk = unit.repeat(4096 / unit.length()).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 16_000; i++) { // 64 MB: a thousand times the cap the tests set
                out.write(chunk);
            }
            ex.close();
        };
    }

    private Endpoint cappedEndpoint(boolean useEvents) {
        return ComfyFleetClient.builder().baseUrl("http://127.0.0.1:" + gateway.getAddress().getPort() + "/v2")
                .apiKey(KEY).pollInterval(Duration.ofMillis(20)).useEvents(useEvents).maxResponseBytes(64 * 1024)
                .build().endpoint("ep");
    }

    /**
     * An answer the SDK would hold whole in memory, without end: it stops at the cap, at once (no retry would get a
     * smaller one), and says which setting raises it.
     */
    @Test
    void anAnswerPastTheCapFailsAtOnceNamingTheCapAndHowToRaiseIt() {
        routes.put("GET /v2/ep/status/big-1", endless("application/json", "{\"id\":\"big-1\",\"output\":\"", "A"));
        long started = System.nanoTime();

        assertThatThrownBy(() -> cappedEndpoint(false).status("big-1")).isInstanceOf(ComfyFleetException.class)
                .hasMessageContaining("answered with a body longer than the SDK's limit of 65536 bytes")
                .hasMessageContaining("ComfyFleetClient.builder().maxResponseBytes(...)");
        assertThatThrownBy(() -> cappedEndpoint(false).job("big-1").await(Duration.ofSeconds(20)))
                .as("a wait fails too, not polling again until its deadline").isInstanceOf(ComfyFleetException.class)
                .hasMessageContaining("limit of 65536 bytes");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    /** A line of the event stream that never ends, or an event that never ends, stops the wait at the cap. */
    @Test
    void anEndlessEventLineOrEventFailsTheWaitNamingTheCap() {
        routes.put("GET /v2/ep/events/line-1", endless("text/event-stream", "event: status\ndata: ", "x"));
        routes.put("GET /v2/ep/events/event-1", endless("text/event-stream", "event: status\n", "data: x\n"));
        long started = System.nanoTime();

        assertThatThrownBy(() -> cappedEndpoint(true).job("line-1").await(Duration.ofSeconds(20)))
                .isInstanceOf(ComfyFleetException.class)
                .hasMessageContaining("answered with a line of its event stream longer than the SDK's limit of 65536"
                        + " bytes").hasMessageContaining("maxResponseBytes");
        assertThatThrownBy(() -> cappedEndpoint(true).job("event-1").await(Duration.ofSeconds(20)))
                .isInstanceOf(ComfyFleetException.class)
                .hasMessageContaining("answered with an event of its event stream longer than the SDK's limit");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void anAnswerUnderTheCapIsRead() {
        String output = "B".repeat(60 * 1024);
        routes.put("GET /v2/ep/status/fits-1", ex -> reply(ex, 200,
                "{\"id\":\"fits-1\",\"status\":\"COMPLETED\",\"output\":\"" + output + "\"}"));

        assertThat(cappedEndpoint(false).status("fits-1").state()).isEqualTo(JobState.COMPLETED);
    }
}
