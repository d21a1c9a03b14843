package io.comfyfleet.worker.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.worker.FakeGateway;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayStoreSinkTest extends OutputSinkContract {
    private final FakeGateway gw = new FakeGateway();

    @AfterEach
    void stopGateway() {
        gw.close();
    }

    @Override
    protected OutputSink newSink() {
        return new GatewayStoreSink(URI.create(gw.url() + "/v2/ep"), "KEY", Duration.ofSeconds(30));
    }

    @Test
    void uploadsWithTheWorkerKey() throws Exception {
        DeliveredOutput d = sink().deliver(new OutputTarget("j9", "a.png", "image/png"), content(new byte[] {1, 2, 3}, true));
        assertThat(d.type()).isEqualTo("url");
        FakeGateway.Request put = gw.requests("PUT", "/outputs/j9/a.png").getFirst();
        assertThat(put.authorization()).isEqualTo("KEY");
    }

    @Test
    void aGatewayWithoutTheStoreIsATypedFailure() {
        GatewayStoreSink wrong = new GatewayStoreSink(URI.create(gw.url() + "/nowhere"), "KEY", Duration.ofSeconds(5));
        assertThatThrownBy(() -> wrong.deliver(new OutputTarget("j", "a.png", "image/png"), content(new byte[] {1}, true)))
                .isInstanceOf(OutputDeliveryException.class).hasMessageContaining("HTTP 404");
    }

    /** A proxy in front of the gateway answering its own page: before, a Jackson exception ended the whole job. */
    @Test
    void aPageInsteadOfTheStoresAnswerIsATypedFailureOfThatFile() throws Exception {
        com.sun.net.httpserver.HttpServer proxy = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] page = "<html><body>Please sign in</body></html>".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, page.length);
            ex.getResponseBody().write(page);
            ex.close();
        });
        proxy.start();
        try {
            GatewayStoreSink sink = new GatewayStoreSink(URI.create("http://127.0.0.1:" + proxy.getAddress().getPort()
                    + "/v2/ep"), "KEY", Duration.ofSeconds(5));

            assertThatThrownBy(() -> sink.deliver(new OutputTarget("j", "a.png", "image/png"), content(new byte[] {1}, true)))
                    .isInstanceOf(OutputDeliveryException.class)
                    .hasMessageContaining("the gateway output store answered without a url: <html><body>Please sign in");
        } finally {
            proxy.stop(0);
        }
    }
}
