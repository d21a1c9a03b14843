package io.comfyfleet.image.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.image.ImageException;
import io.comfyfleet.image.TestGit;
import io.comfyfleet.image.recipe.Recipe;
import io.comfyfleet.image.recipe.RecipeParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextWriterTest {
    /** Shared by the tests of this module: jlink runs once per clean build. */
    private static final Path CACHE = Path.of("target/image-test-cache").toAbsolutePath();

    @TempDir
    Path dir;
    private String commit;
    private String modelSha;

    @BeforeEach
    void layOut() throws Exception {
        Path comfy = Files.createDirectories(dir.resolve("ComfyUI"));
        Files.writeString(comfy.resolve("main.py"), "print('ComfyUI')\n");
        Files.writeString(comfy.resolve("requirements.txt"), "pyyaml\n");
        Path node = Files.createDirectories(dir.resolve("repos/probe"));
        Files.writeString(node.resolve("__init__.py"), "NODE_CLASS_MAPPINGS = {}\n");
        Files.writeString(node.resolve("requirements.txt"), "numpy==1.24.2\n");
        commit = TestGit.commitAll(node, "probe node");
        Files.writeString(node.resolve("__init__.py"), "uncommitted change\n"); // the commit is what counts
        Path model = Files.createDirectories(dir.resolve("models")).resolve("tiny.safetensors");
        Files.writeString(model, "tiny model bytes\n");
        modelSha = Hashing.sha256(model);
        Files.writeString(dir.resolve("comfyfleet.jar"), "stands in for the worker jar\n");
    }

    private Recipe recipe(String sha, String nodeCommit) {
        return RecipeParser.parse("""
                base: localhost/debian:bookworm
                apt: [python3-yaml]
                comfyui: {path: ./ComfyUI}
                nodes: [{name: probe, git: ./repos/probe, commit: %s}]
                pip: {packages: [PyYAML==6.0]}
                secrets: [{id: hf_token, env: TEST_HF_TOKEN}]
                run: [{command: "test -s /run/secrets/hf_token", secrets: [hf_token]}]
                models: [{folder: checkpoints, source: ./models/tiny.safetensors, sha256: %s}]
                worker: {jar: ./comfyfleet.jar, javaModules: [java.base]}
                """.formatted(nodeCommit, sha), dir, "recipe.yaml");
    }

    private ContextWriter writer() {
        return new ContextWriter(CACHE, Path.of(System.getProperty("java.home")), null,
                Map.of("TEST_HF_TOKEN", "hf_secret_value_123")::get);
    }

    @Test
    void writesTheNodeAtItsCommitWithoutGitMergedPinsTheModelAndASecretMountedPerStep() throws Exception {
        BuildContext ctx = writer().write(recipe(modelSha, commit), dir.resolve("ctx"));

        Path node = ctx.dir().resolve("nodes/probe");
        assertThat(node.resolve("__init__.py")).hasContent("NODE_CLASS_MAPPINGS = {}");
        try (Stream<Path> all = Files.walk(ctx.dir())) {
            assertThat(all.filter(p -> p.getFileName().toString().equals(".git"))).isEmpty();
        }
        assertThat(ctx.dir().resolve("comfyfleet/requirements.txt")).hasContent("numpy==1.24.2\npyyaml==6.0");
        assertThat(ctx.dir().resolve("models/checkpoints/tiny.safetensors")).hasContent("tiny model bytes");
        assertThat(ctx.dir().resolve("java/bin/java")).isExecutable();
        assertThat(ctx.secrets()).containsExactly("hf_token");
        String containerfile = Files.readString(ctx.containerfile());
        assertThat(containerfile).contains("RUN --mount=type=secret,id=hf_token test -s /run/secrets/hf_token")
                .contains("COPY nodes /opt/ComfyUI/custom_nodes")
                .contains("-m pip install --no-cache-dir -r /opt/comfyfleet/requirements.txt")
                .endsWith("ENTRYPOINT [\"/opt/comfyfleet/entrypoint.sh\"]\n");
        assertThat(ctx.dir().resolve("comfyfleet/entrypoint.sh")).isExecutable();
        try (Stream<Path> all = Files.walk(ctx.dir())) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1))
                        .as("secret in %s", p).doesNotContain("hf_secret_value_123");
            }
        }
        assertThat(ctx.defaultTag()).isEqualTo("localhost/comfyfleet-worker:" + ctx.digest().substring(0, 12));
    }

    @Test
    void theSameRecipeGivesTheSameDigestAndAChangedNodeADifferentOne() throws Exception {
        String first = writer().write(recipe(modelSha, commit), dir.resolve("a")).digest();
        // checkout times do not matter
        Files.setLastModifiedTime(dir.resolve("ComfyUI/main.py"), FileTime.fromMillis(1_000_000));
        Files.setLastModifiedTime(dir.resolve("models/tiny.safetensors"), FileTime.fromMillis(2_000_000));
        assertThat(writer().write(recipe(modelSha, commit), dir.resolve("b")).digest()).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(dir.resolve("b/comfyui/main.py"))).isEqualTo(ContextFiles.FIXED_TIME);

        Path node = dir.resolve("repos/probe");
        TestGit.git(node, "commit", "-q", "-a", "-m", "change");
        String changed = TestGit.git(node, "rev-parse", "HEAD");
        assertThat(writer().write(recipe(modelSha, changed), dir.resolve("c")).digest()).isNotEqualTo(first);
    }

    @Test
    void aWrongModelHashStopsNamingTheFileAndBothHashes() {
        String wrong = "0".repeat(64);
        assertThatThrownBy(() -> writer().write(recipe(wrong, commit), dir.resolve("ctx")))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("models[0] (checkpoints/tiny.safetensors)")
                .hasMessageContaining("tiny.safetensors has sha256 " + modelSha + " but the recipe says " + wrong);
    }

    @Test
    void anUnknownCommitOrUnreachableRepositoryStopsNamingTheNode() {
        String missing = "1".repeat(40);
        assertThatThrownBy(() -> writer().write(recipe(modelSha, missing), dir.resolve("ctx")))
                .hasMessageContaining("nodes[0] (probe)").hasMessageContaining("commit " + missing + " is not in");
        Recipe unreachable = RecipeParser.parse("""
                base: b
                comfyui: {path: ./ComfyUI}
                nodes: [{name: gone, git: ./repos/gone, commit: %s}]
                worker: {jar: ./comfyfleet.jar, javaModules: [java.base]}
                """.formatted(missing), dir, "r.yaml");
        assertThatThrownBy(() -> writer().write(unreachable, dir.resolve("ctx")))
                .hasMessageContaining("nodes[0] (gone): git source").hasMessageContaining("is unreachable");
    }

    @Test
    void anUnreachableModelUrlStopsNamingTheModel() {
        Recipe r = RecipeParser.parse("""
                base: b
                comfyui: {path: ./ComfyUI}
                models: [{folder: loras, source: "http://127.0.0.1:9/l.safetensors", sha256: %s}]
                worker: {jar: ./comfyfleet.jar, javaModules: [java.base]}
                """.formatted(modelSha), dir, "r.yaml");
        assertThatThrownBy(() -> writer().write(r, dir.resolve("ctx")))
                .hasMessageContaining("models[0] (loras/l.safetensors): source http://127.0.0.1:9/l.safetensors is unreachable");
    }

    @Test
    void twoNodesPinningOnePackageDifferentlyStopTheBuildNamingBoth() throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("requirements.txt"), "numpy==2.0.0\n");
        Recipe r = RecipeParser.parse("""
                base: b
                comfyui: {path: ./ComfyUI, requirements: false}
                nodes: [{name: probe, git: ./repos/probe, commit: %s}, {name: other, path: ./other}]
                worker: {jar: ./comfyfleet.jar, javaModules: [java.base]}
                """.formatted(commit), dir, "r.yaml");
        assertThatThrownBy(() -> writer().write(r, dir.resolve("ctx")))
                .hasMessageContaining("package 'numpy': node 'probe' pins ==1.24.2 but node 'other' pins ==2.0.0");
    }

    @Test
    void aMissingSecretValueIsNamedBeforeAnythingIsWritten() {
        ContextWriter noEnv = new ContextWriter(CACHE, Path.of(System.getProperty("java.home")), null, k -> null);
        assertThatThrownBy(() -> noEnv.write(recipe(modelSha, commit), dir.resolve("ctx")))
                .hasMessageContaining("secrets: 'hf_token' reads the environment variable TEST_HF_TOKEN, which is not set");
    }
}
