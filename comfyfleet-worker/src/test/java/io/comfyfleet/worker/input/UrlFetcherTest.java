package io.comfyfleet.worker.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javalin.Javalin;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every refusal is decided before a connection is made, so these tests send no traffic outside 127.0.0.1:
 * the refused addresses are only resolved (literals, or a fake resolver), never contacted.
 */
class UrlFetcherTest {
    @TempDir
    Path dir;
    private Javalin server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private String startServer() {
        server = Javalin.create(c -> {
            c.routes.get("/ok.png", ctx -> ctx.result("image-bytes"));
            c.routes.get("/to-private", ctx -> ctx.redirect("http://10.0.0.1/secret", io.javalin.http.HttpStatus.FOUND));
            c.routes.get("/to-metadata", ctx -> ctx.redirect("http://169.254.169.254/latest/meta-data/", io.javalin.http.HttpStatus.FOUND));
            c.routes.get("/to-file", ctx -> ctx.redirect("file:///etc/passwd", io.javalin.http.HttpStatus.FOUND));
            c.routes.get("/to-ok", ctx -> ctx.redirect("/ok.png", io.javalin.http.HttpStatus.MOVED_PERMANENTLY));
            c.routes.get("/loop", ctx -> ctx.redirect("/loop", io.javalin.http.HttpStatus.FOUND));
            c.routes.get("/big", ctx -> ctx.result(new byte[5000]));
            c.routes.get("/big-chunked", ctx -> {
                OutputStream out = ctx.res().getOutputStream();
                for (int i = 0; i < 10; i++) {
                    out.write(new byte[1000]);
                    out.flush();
                }
            });
            c.routes.get("/stall", ctx -> {
                OutputStream out = ctx.res().getOutputStream();
                out.write(new byte[10]);
                out.flush();
                Thread.sleep(2_000);
            });
            c.routes.get("/missing", ctx -> ctx.status(404));
        }).start("127.0.0.1", 0);
        return "http://127.0.0.1:" + server.port();
    }

    /** Loopback is allowed here only so the test server can be reached; every other class stays refused. */
    private static UrlFetcher localFetcher(long maxBytes, Duration timeout) {
        return new UrlFetcher(new UrlPolicy(true, Set.of(io.comfyfleet.core.net.AddressClass.LOOPBACK), maxBytes, timeout, 3));
    }

    @Test
    void fetchesAnAllowedUrlFollowingACheckedRedirect() throws Exception {
        String base = startServer();
        Path target = dir.resolve("a");
        long n = localFetcher(1000, Duration.ofSeconds(5)).fetch(URI.create(base + "/to-ok"), target, "img");
        assertThat(n).isEqualTo(11);
        assertThat(Files.readString(target)).isEqualTo("image-bytes");
    }

    @Test
    void plainHttpIsRefusedByDefault() {
        assertThatThrownBy(() -> new UrlFetcher(UrlPolicy.defaults()).fetch(URI.create("http://example.com/a.png"), dir.resolve("a"), "img"))
                .isInstanceOf(InvalidJobInputException.class).hasMessageContaining("only https URLs may be fetched");
    }

    @ParameterizedTest
    @CsvSource({
            "https://127.0.0.1/a.png, loopback",
            "https://localhost/a.png, loopback",
            "https://[::1]/a.png, loopback",
            "https://10.1.2.3/a.png, private",
            "https://172.16.0.9/a.png, private",
            "https://192.168.1.1/a.png, private",
            "https://100.64.0.1/a.png, private",
            "https://[fd00::1]/a.png, private",
            "https://169.254.169.254/latest, link-local",
            "https://[fe80::1]/a.png, link-local",
            "https://224.0.0.251/a.png, multicast",
            "https://[ff02::1]/a.png, multicast",
            "https://0.0.0.0/a.png, unspecified",
            "https://[::]/a.png, unspecified",
            "https://0.1.2.3/a.png, unspecified",
    })
    void internalAddressesAreRefused(String url, String cls) {
        assertThatThrownBy(() -> new UrlFetcher(UrlPolicy.defaults()).fetch(URI.create(url), dir.resolve("a"), "input.images[0]"))
                .isInstanceOf(InvalidJobInputException.class)
                .hasMessageStartingWith("input.images[0]")
                .hasMessageContaining("a " + cls + " address");
    }

    @Test
    void everyResolvedAddressIsChecked() {
        UrlFetcher fetcher = new UrlFetcher(UrlPolicy.defaults(), host -> new InetAddress[] {
                InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 216, 34}),
                InetAddress.getByAddress(host, new byte[] {10, 0, 0, 5})});
        assertThatThrownBy(() -> fetcher.fetch(URI.create("https://mixed.example/a.png"), dir.resolve("a"), "img"))
                .hasMessageContaining("resolves to 10.0.0.5, a private address");
    }

    @Test
    void redirectsAreCheckedLikeTheFirstUrl() {
        String base = startServer();
        UrlFetcher fetcher = localFetcher(1000, Duration.ofSeconds(5));
        assertThatThrownBy(() -> fetcher.fetch(URI.create(base + "/to-private"), dir.resolve("a"), "img"))
                .hasMessageContaining("10.0.0.1, a private address");
        assertThatThrownBy(() -> fetcher.fetch(URI.create(base + "/to-metadata"), dir.resolve("a"), "img"))
                .hasMessageContaining("a link-local address");
        assertThatThrownBy(() -> fetcher.fetch(URI.create(base + "/to-file"), dir.resolve("a"), "img"))
                .hasMessageContaining("only http and https URLs");
        assertThatThrownBy(() -> fetcher.fetch(URI.create(base + "/loop"), dir.resolve("a"), "img"))
                .hasMessageContaining("redirected more than 3 times");
    }

    @Test
    void sizeCapHoldsWithAndWithoutContentLength() {
        String base = startServer();
        UrlFetcher fetcher = localFetcher(1000, Duration.ofSeconds(5));
        assertThatThrownBy(() -> fetcher.fetch(URI.create(base + "/big"), dir.resolve("a"), "img"))
                .hasMessageContaining("larger than the limit of 1000 bytes");
        assertThatThrownBy(() -> fetcher.fetch(URI.create(base + "/big-chunked"), dir.resolve("b"), "img"))
                .hasMessageContaining("larger than the limit of 1000 bytes");
    }

    @Test
    void stalledDownloadTimesOut() {
        String base = startServer();
        assertThatThrownBy(() -> localFetcher(1000, Duration.ofMillis(700)).fetch(URI.create(base + "/stall"), dir.resolve("a"), "img"))
                .hasMessageContaining("took longer than 700 ms");
    }

    @Test
    void non200IsReported() {
        String base = startServer();
        assertThatThrownBy(() -> localFetcher(1000, Duration.ofSeconds(5)).fetch(URI.create(base + "/missing"), dir.resolve("a"), "img"))
                .hasMessageContaining("answered HTTP 404");
    }

    @Test
    void credentialsInUrlsAreRefused() {
        assertThatThrownBy(() -> new UrlFetcher(UrlPolicy.defaults()).fetch(URI.create("https://u:p@example.com/a.png"), dir.resolve("a"), "img"))
                .hasMessageContaining("user:password@");
    }
}
