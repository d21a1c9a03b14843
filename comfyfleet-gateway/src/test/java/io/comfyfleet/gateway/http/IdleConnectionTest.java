package io.comfyfleet.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.TestGateway;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.idleTimeout} is what closes an unused keep-alive connection. Its default must outlast the JDK
 * HttpClient's own keep-alive (30 s): when the server closed first, a client that picked the pooled connection
 * at that moment got its POST dropped unanswered.
 */
class IdleConnectionTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultOutlastsTheJdkClientsKeepAlive() {
        try (TestGateway gw = new TestGateway(dir)) {
            long jdkKeepAliveSeconds = Long.getLong("jdk.httpclient.keepalive.timeout", 30);
            assertThat(gw.config.server().idleTimeout()).isGreaterThan(Duration.ofSeconds(jdkKeepAliveSeconds));
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheConfiguredTime() throws Exception {
        try (TestGateway gw = new TestGateway(dir, "  idleTimeout: 1s");
                Socket socket = new Socket("127.0.0.1", gw.gateway.port())) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(("GET /v2/ep1/health HTTP/1.1\r\nHost: gw\r\nAuthorization: "
                    + TestGateway.CLIENT_KEY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n = in.read(buffer);
            long answered = System.nanoTime();
            assertThat(new String(buffer, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
            // drain the rest of the answer, then wait for the server to close the connection
            while (in.read(buffer) >= 0) {
                // the answer's remaining bytes, if any
            }
            long idleMs = (System.nanoTime() - answered) / 1_000_000;
            assertThat(idleMs).isBetween(900L, 30_000L);
        }
    }
}
