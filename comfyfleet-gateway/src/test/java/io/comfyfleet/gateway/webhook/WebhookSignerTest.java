package io.comfyfleet.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
    private final WebhookSigner signer = new WebhookSigner("secret-0123456789".getBytes(StandardCharsets.UTF_8));
    private final byte[] body = "{\"id\":\"j1\",\"status\":\"COMPLETED\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void signsTimestampDotBodyWithHmacSha256() {
        // computed independently: printf '1700000000.{"id":"j1","status":"COMPLETED"}' |
        //   openssl dgst -sha256 -hmac secret-0123456789
        assertThat(signer.sign(1_700_000_000L, body))
                .isEqualTo("t=1700000000,v1=bc89f16cfe237c6334456a086df2be667305a62f0f9754d39c2e4f22bb8f0e07");
    }

    @Test
    void verifiesItsOwnSignatureAndRejectsTampering() {
        String header = signer.sign(1_700_000_000L, body);
        assertThat(signer.verify(header, body)).isTrue();
        assertThat(signer.verify(header, "{\"id\":\"j2\"}".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(signer.verify(header.replace("t=1700000000", "t=1700000001"), body)).isFalse();
        assertThat(new WebhookSigner("other-secret-0123".getBytes(StandardCharsets.UTF_8)).verify(header, body)).isFalse();
        assertThat(signer.verify("garbage", body)).isFalse();
        assertThat(signer.verify(null, body)).isFalse();
    }
}
