package io.comfyfleet.worker.output.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.input.InvalidJobInputException;
import io.comfyfleet.worker.output.DeliveredOutput;
import io.comfyfleet.worker.output.OutputDeliveryException;
import io.comfyfleet.worker.output.OutputSink;
import io.comfyfleet.worker.output.OutputSinkContract;
import io.comfyfleet.worker.output.OutputSinkProvider;
import io.comfyfleet.worker.output.OutputTarget;
import java.net.URI;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.node.ObjectNode;

/** A real S3-compatible server (s3proxy, in memory) rather than a mock, so signing and path style are exercised. */
class S3SinkTest extends OutputSinkContract {
    private static S3Proxy proxy;
    private static String endpoint;

    @BeforeAll
    static void startS3() throws Exception {
        proxy = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret")
                .endpoint(URI.create("http://127.0.0.1:0"))
                .build();
        proxy.start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> "STARTED".equals(proxy.getState()));
        endpoint = "http://127.0.0.1:" + proxy.getPort();
        try (S3Client admin = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret")))
                .build()) {
            admin.createBucket(b -> b.bucket("outputs"));
        }
    }

    @AfterAll
    static void stopS3() throws Exception {
        proxy.stop();
    }

    private static ObjectNode config(String secret) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("accessId", "access").put("accessSecret", secret).put("bucketName", "outputs")
                .put("endpointUrl", endpoint).put("objectPath", "/runs/");
        return c;
    }

    @Override
    protected OutputSink newSink() {
        return OutputSinkProvider.named("s3").create(config("secret"));
    }

    @Test
    void urlIsPresignedAndKeyedByJob() throws Exception {
        DeliveredOutput d = sink().deliver(new OutputTarget("j7", "a.png", "image/png"), content(new byte[] {1}, true));
        assertThat(d.type()).isEqualTo("s3_url");
        assertThat(d.data()).contains("/outputs/runs/j7/a.png").contains("X-Amz-Signature=");
    }

    @Test
    void wrongCredentialsAreATypedFailure() {
        try (OutputSink wrong = OutputSinkProvider.named("s3").create(config("nope"))) {
            assertThatThrownBy(() -> wrong.deliver(new OutputTarget("j", "a.png", "image/png"), content(new byte[] {1}, true)))
                    .isInstanceOf(OutputDeliveryException.class).hasMessageContaining("s3://outputs/runs/j/a.png");
        }
    }

    @Test
    void missingSettingsAreNamed() {
        ObjectNode c = config("secret");
        c.remove("bucketName");
        assertThatThrownBy(() -> OutputSinkProvider.named("s3").create(c))
                .isInstanceOf(InvalidJobInputException.class).hasMessageContaining("s3Config.bucketName is missing");
    }
}
