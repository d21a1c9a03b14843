package io.comfyfleet.worker.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class InlineSinkTest extends OutputSinkContract {
    @Override
    protected OutputSink newSink() {
        return new InlineSink(8 * 1024 * 1024);
    }

    @Override
    protected byte[] fetch(DeliveredOutput delivered) {
        assertThat(delivered.type()).isEqualTo("base64");
        return Base64.getDecoder().decode(delivered.data());
    }

    @Test
    void filesOverTheCapAreRefusedWithAWayOut() {
        InlineSink small = new InlineSink(1000);
        OutputTarget t = new OutputTarget("j", "big.png", "image/png");
        assertThatThrownBy(() -> small.deliver(t, content(random(1001), true)))
                .isInstanceOf(OutputDeliveryException.class).hasMessageContaining("inline limit of 1000").hasMessageContaining("S3");
        assertThatThrownBy(() -> small.deliver(t, content(random(5000), false)))
                .isInstanceOf(OutputDeliveryException.class).hasMessageContaining("inline limit of 1000");
    }
}
