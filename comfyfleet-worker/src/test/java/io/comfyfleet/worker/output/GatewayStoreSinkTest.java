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
}
