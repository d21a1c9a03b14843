package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.imageio.ImageIO;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

/**
 * Outputs of every kind, and outputs delivered to S3, as a client gets them through the real gateway from the
 * worker and the emulator process (zero-time mode): each file with its kind, MIME type and a sha256 that
 * matches the bytes delivered; text as text.
 */
class EndToEndOutputsTest {
    @TempDir
    Path dir;
    private Fleet fleet;
    private S3Proxy s3;

    @AfterEach
    void stop() throws Exception {
        try {
            if (fleet != null) {
                fleet.close();
            }
        } finally {
            if (s3 != null) {
                s3.stop();
            }
        }
    }

    @Test
    void animatedPngTextAndAudioComeBackWithTheirKindMimeTypeAndHash() throws Exception {
        fleet = Fleet.start(dir, Fleet.Options.defaults().emulatorFlags("--zero-time"));
        String input = """
                {"workflow": {
                  "1": {"class_type": "EmptyImage", "inputs": {"width": 32, "height": 24, "batch_size": 3, "color": 255}},
                  "2": {"class_type": "SaveAnimatedPNG", "inputs": {"images": ["1", 0], "filename_prefix": "anim", "fps": 4.0, "compress_level": 4}},
                  "3": {"class_type": "PreviewAny", "inputs": {"source": "hello fleet"}},
                  "4": {"class_type": "EmptyAudio", "inputs": {"duration": 0.25, "sample_rate": 8000, "channels": 1}},
                  "5": {"class_type": "SaveAudio", "inputs": {"audio": ["4", 0], "filename_prefix": "audio/clip"}}}}""";

        JsonNode done = fleet.awaitTerminal(fleet.run(input));

        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        Map<String, JsonNode> byNode = StreamSupport.stream(done.path("output").path("outputs").spliterator(), false)
                .collect(Collectors.toMap(o -> o.path("node_id").asString(), Function.identity()));
        assertThat(byNode).as("%s", done.path("output")).containsOnlyKeys("2", "3", "5");

        JsonNode apng = byNode.get("2");
        assertThat(apng.path("kind").asString()).isEqualTo("image");
        assertThat(apng.path("mime_type").asString()).isEqualTo("image/png");
        assertThat(apng.path("filename").asString()).endsWith(".png");
        byte[] apngBytes = inlineBytes(apng);
        assertThat(new String(apngBytes, StandardCharsets.ISO_8859_1)).as("an animated PNG has an acTL chunk").contains("acTL");

        JsonNode text = byNode.get("3");
        assertThat(text.path("kind").asString()).isEqualTo("text");
        assertThat(text.path("mime_type").asString()).isEqualTo("text/plain");
        assertThat(text.path("data").asString()).isEqualTo("hello fleet");

        JsonNode audio = byNode.get("5");
        assertThat(audio.path("kind").asString()).isEqualTo("audio");
        assertThat(audio.path("mime_type").asString()).isEqualTo("audio/flac");
        assertThat(audio.path("filename").asString()).endsWith(".flac");
        byte[] flac = inlineBytes(audio);
        assertThat(new String(flac, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("fLaC");

        // images keeps worker-comfyui's shape: the animated PNG is an image, the audio and the text are not
        assertThat(done.path("output").path("images")).hasSize(1);
        assertThat(done.path("output").path("images").get(0).path("filename").asString())
                .isEqualTo(apng.path("filename").asString());
    }

    @Test
    void aLargeOutputGoesToTheJobsS3ConfigAsAUrlThatDownloadsTheRightBytes() throws Exception {
        s3 = S3Proxy.builder().blobStore(new TransientNio2BlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret")
                .endpoint(URI.create("http://127.0.0.1:0")).build();
        s3.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> "STARTED".equals(s3.getState()));
        String endpoint = "http://127.0.0.1:" + s3.getPort();
        try (S3Client admin = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret")))
                .build()) {
            admin.createBucket(b -> b.bucket("outputs"));
        }
        fleet = Fleet.start(dir, Fleet.Options.defaults().emulatorFlags("--zero-time"));
        // a 2048x2048 sampled picture: megabytes of PNG, far beyond what a test would want inline
        String body = """
                {"input": {"workflow": {
                  "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "rand_a.safetensors"}},
                  "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse", "clip": ["1", 1]}},
                  "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["1", 1]}},
                  "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 2048, "height": 2048, "batch_size": 1}},
                  "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "seed": 42, "steps": 2, "cfg": 7.0,
                        "sampler_name": "euler", "scheduler": "simple", "positive": ["2", 0], "negative": ["3", 0],
                        "latent_image": ["4", 0], "denoise": 1.0}},
                  "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
                  "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "big"}}}},
                 "s3Config": {"accessId": "access", "accessSecret": "secret", "bucketName": "outputs",
                              "endpointUrl": "%s", "objectPath": "/runs/"}}""".formatted(endpoint);

        JsonNode done = fleet.awaitTerminal(fleet.call("POST", "/v2/ep1/run", body).path("id").asString());

        assertThat(done.path("status").asString()).as("%s", done).isEqualTo("COMPLETED");
        JsonNode file = done.path("output").path("outputs").get(0);
        assertThat(file.path("type").asString()).isEqualTo("s3_url");
        assertThat(file.path("kind").asString()).isEqualTo("image");
        assertThat(file.path("url").asString()).startsWith(endpoint + "/outputs/runs/").contains("X-Amz-Signature=");
        assertThat(done.path("output").path("images").get(0).path("type").asString()).isEqualTo("s3_url");
        // a presigned URL: a plain GET without credentials downloads it
        HttpResponse<byte[]> fetched = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(file.path("url").asString())).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.statusCode()).isEqualTo(200);
        byte[] png = fetched.body();
        assertThat((long) png.length).isEqualTo(file.path("size").asLong()).isGreaterThan(256 * 1024);
        assertThat(sha256(png)).isEqualTo(file.path("sha256").asString());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(2048);
        assertThat(image.getHeight()).isEqualTo(2048);
    }

    /** Decodes an inline output and checks its size and sha256 against the listing. */
    private static byte[] inlineBytes(JsonNode output) throws Exception {
        assertThat(output.path("type").asString()).isEqualTo("base64");
        byte[] bytes = Base64.getDecoder().decode(output.path("data").asString());
        assertThat((long) bytes.length).isEqualTo(output.path("size").asLong());
        assertThat(sha256(bytes)).isEqualTo(output.path("sha256").asString());
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
