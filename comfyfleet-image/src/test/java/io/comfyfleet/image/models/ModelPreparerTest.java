package io.comfyfleet.image.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.image.ImageException;
import io.comfyfleet.image.build.Hashing;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPreparerTest {
    private static final byte[] LORA = "lora bytes served over http\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    private HttpServer server;
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile String seenAuth;

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/lora.safetensors", ex -> {
            fetches.incrementAndGet();
            seenAuth = ex.getRequestHeaders().getFirst("Authorization");
            ex.sendResponseHeaders(200, LORA.length);
            ex.getResponseBody().write(LORA);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/lora.safetensors";
    }

    private static String sha256(byte[] b) {
        return java.util.HexFormat.of().formatHex(Hashing.sha256().digest(b));
    }

    private ModelPreparer preparer(String worker) {
        return new ModelPreparer(dir.resolve("cache"), dir.resolve("volume"), dir.resolve(worker + "/models"),
                Map.of("HF_TOKEN", "hf_abc")::get);
    }

    @Test
    void aCacheModelIsFetchedOnceVerifiedAndSharedByTheWorkersOfTheMachine() throws Exception {
        ModelManifest manifest = new ModelManifest(List.of(
                new ModelManifest.Entry("loras", "style.safetensors", "cache", url(), sha256(LORA), "HF_TOKEN")));
        preparer("w1").prepare(manifest, dir.resolve("w1/extra_model_paths.yaml"));
        preparer("w2").prepare(manifest, dir.resolve("w2/extra_model_paths.yaml"));

        assertThat(fetches.get()).isEqualTo(1);
        assertThat(seenAuth).isEqualTo("Bearer hf_abc");
        Path link = dir.resolve("w2/models/loras/style.safetensors");
        assertThat(Files.readSymbolicLink(link)).isEqualTo(dir.resolve("cache/sha256/" + sha256(LORA)));
        assertThat(Files.readAllBytes(link)).isEqualTo(LORA);
        assertThat(dir.resolve("w2/extra_model_paths.yaml")).content()
                .contains("comfyfleet:\n  base_path: " + dir.resolve("w2/models") + "\n  loras: loras\n");
    }

    @Test
    void aWrongHashLeavesNothingInTheCacheAndNamesBothHashes() throws Exception {
        String wrong = "a".repeat(64);
        ModelManifest manifest = new ModelManifest(List.of(
                new ModelManifest.Entry("loras", "style.safetensors", "cache", url(), wrong, null)));
        assertThatThrownBy(() -> preparer("w1").prepare(manifest, dir.resolve("w1/x.yaml")))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("model loras/style.safetensors from " + url() + ": sha256 " + sha256(LORA)
                        + " but the recipe says " + wrong);
        try (var s = Files.list(dir.resolve("cache/sha256"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aVolumeModelMustBeOnTheVolumeAndIsLinkedWhenItIs() throws Exception {
        ModelManifest manifest = new ModelManifest(List.of(
                new ModelManifest.Entry("checkpoints", "big.safetensors", "volume", "sd/big.safetensors", "b".repeat(64), null)));
        assertThatThrownBy(() -> preparer("w1").prepare(manifest, dir.resolve("w1/x.yaml")))
                .hasMessageContaining("model checkpoints/big.safetensors: " + dir.resolve("volume/sd/big.safetensors")
                        + " is not on the volume");
        Files.createDirectories(dir.resolve("volume/sd"));
        Files.writeString(dir.resolve("volume/sd/big.safetensors"), "weights");
        preparer("w1").prepare(manifest, dir.resolve("w1/x.yaml"));
        assertThat(dir.resolve("w1/models/checkpoints/big.safetensors")).hasContent("weights");
        assertThat(dir.resolve("w1/x.yaml")).content().contains("  checkpoints: checkpoints");
    }

    @Test
    void theManifestSurvivesItsJsonForm() {
        ModelManifest m = new ModelManifest(List.of(
                new ModelManifest.Entry("loras", "a", "cache", "https://x/a", "c".repeat(64), "HF_TOKEN"),
                new ModelManifest.Entry("vae", "b", "volume", "b", "d".repeat(64), null)));
        assertThat(ModelManifest.parse(m.toJson())).isEqualTo(m);
    }
}
