package io.comfyfleet.image.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.image.recipe.Recipe.Placement;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RecipeParserTest {
    private static final Path DIR = Path.of("/work/recipes");
    private static final String SHA = "2fb513442b4f38f36e61f9d8f8651668887f4eb2ee72178f1e2c78ae80ece523";
    private static final String COMMIT = "637221995f74fbde8a24bb7bb1bb2db10a9da6c6";

    @Test
    void readsAFullRecipeWithPathsResolvedAgainstItsFolder() {
        Recipe r = RecipeParser.parse("""
                base: localhost/debian:bookworm
                apt: [python3-yaml, python3-pip, python3-yaml]
                comfyui: {git: https://github.com/comfyanonymous/ComfyUI, commit: %s, args: [--cpu]}
                nodes:
                  - {git: https://github.com/example/ComfyUI-Thing.git, commit: %s}
                  - {name: local, path: ./nodes/local}
                pip: {indexUrl: https://download.pytorch.org/whl/cu124, packages: [torch==2.5.1, Pillow==10.4.0]}
                secrets: [{id: hf_token, env: HF_TOKEN}]
                run: ["echo plain", {command: "cat /run/secrets/hf_token | wc -c", secrets: [hf_token]}]
                models:
                  - {folder: checkpoints, source: ./models/a.safetensors, sha256: %s}
                  - {folder: loras, name: b.safetensors, source: "https://hf.example/b?download=1", sha256: %s, placement: cache, secret: hf_token}
                  - {folder: vae, name: c.pt, source: vae/c.pt, sha256: %s, placement: volume}
                volume: {path: /mnt/models}
                worker: {args: [--outputs, s3]}
                """.formatted(COMMIT, COMMIT, SHA, SHA, SHA), DIR, "test.yaml");

        assertThat(r.apt()).containsExactly("python3-pip", "python3-yaml");
        assertThat(r.python()).isEqualTo("python3");
        assertThat(r.comfyui().source().git()).isEqualTo("https://github.com/comfyanonymous/ComfyUI");
        assertThat(r.comfyui().requirements()).isTrue();
        assertThat(r.nodes()).extracting(Recipe.Node::name).containsExactly("ComfyUI-Thing", "local");
        assertThat(r.nodes().get(1).source().path()).isEqualTo(Path.of("/work/recipes/nodes/local"));
        assertThat(r.pip().packages()).containsExactly("Pillow==10.4.0", "torch==2.5.1");
        assertThat(r.run().get(1).secrets()).containsExactly("hf_token");
        assertThat(r.models().get(0).name()).isEqualTo("a.safetensors");
        assertThat(r.models().get(0).path()).isEqualTo(Path.of("/work/recipes/models/a.safetensors"));
        assertThat(r.models().get(0).placement()).isEqualTo(Placement.BAKE);
        assertThat(r.models().get(1).url()).isEqualTo("https://hf.example/b?download=1");
        assertThat(r.models().get(2).path()).isEqualTo(Path.of("vae/c.pt"));
        assertThat(r.volumePath()).isEqualTo("/mnt/models");
        assertThat(r.worker().javaModules()).isEqualTo(RecipeParser.DEFAULT_JAVA_MODULES);
    }

    @Test
    void reportsEveryProblemAtOnceEachNamingItsKey() {
        assertThatThrownBy(() -> RecipeParser.parse("""
                base: localhost/debian:bookworm
                comfyui: {git: https://github.com/comfyanonymous/ComfyUI, commit: master}
                nodes:
                  - {name: a, git: https://x.invalid/a, path: ./a}
                  - {name: b, path: ./b}
                  - {name: b, path: ./c}
                pip: {packages: [torch>=2]}
                modles: []
                run: [{command: "echo", secrets: [nope]}]
                models:
                  - {folder: checkpoints, source: ./m.bin, sha256: ABC}
                  - {folder: loras, source: ./l.bin, sha256: %s, placement: cache}
                  - {folder: vae, source: ./v.bin, sha256: %s, placement: everywhere}
                """.formatted(SHA, SHA), DIR, "bad.yaml"))
                .isInstanceOf(RecipeException.class)
                .satisfies(e -> assertThat(((RecipeException) e).problems()).anySatisfy(p -> assertThat(p).startsWith("comfyui.commit: must be the full 40-hex commit"))
                        .anySatisfy(p -> assertThat(p).startsWith("nodes[0]: give either git (with commit) or path, not both"))
                        .anySatisfy(p -> assertThat(p).startsWith("nodes[2].name: 'b' is given twice"))
                        .anySatisfy(p -> assertThat(p).startsWith("pip.packages: 'torch>=2' must be pinned"))
                        .anySatisfy(p -> assertThat(p).startsWith("modles: unknown key"))
                        .anySatisfy(p -> assertThat(p).startsWith("run[0].secrets: 'nope' is not declared"))
                        .anySatisfy(p -> assertThat(p).startsWith("models[0].sha256: must be the file's sha256"))
                        .anySatisfy(p -> assertThat(p).startsWith("models[1].source: a cache model is fetched"))
                        .anySatisfy(p -> assertThat(p).startsWith("models[2].placement: must be bake, volume or cache")))
                .hasMessageStartingWith("bad.yaml: 9 problems");
    }

    /** Read last-wins, the image would build the second commit while its author read the first. */
    @Test
    void aKeyWrittenTwiceIsNamedWithItsSectionAndLine() {
        assertThatThrownBy(() -> RecipeParser.parse("""
                base: nvidia/cuda:12.4.1-runtime-ubuntu22.04
                comfyui:
                  commit: %s
                  commit: %s
                """.formatted(COMMIT, COMMIT.replace('6', '7')), DIR, "twice.yaml"))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.problems()).containsExactly(
                        "comfyui: the key \"commit\" appears twice (line 4); a key may appear once in a mapping: keep"
                                + " the value you mean and remove the other"));
    }

    @Test
    void aRecipeWithoutComfyUiOrBaseSaysWhatToWrite() {
        assertThatThrownBy(() -> RecipeParser.parse("apt: [python3]\n", DIR, "empty.yaml"))
                .hasMessageContaining("base: is required")
                .hasMessageContaining("comfyui: is required: 'comfyui: {path: ./ComfyUI}'");
    }

    @Test
    void writingAndReadingBackGivesTheSameRecipe() {
        Recipe r = RecipeParser.parse("""
                base: localhost/debian:bookworm
                apt: [python3-yaml]
                python: /opt/py
                comfyui: {path: ../ComfyUI, requirements: false, args: [--cpu]}
                nodes: [{name: n, git: ./repos/n, commit: %s}, {name: m, path: ./m}]
                pip: {packages: [numpy==1.24.2]}
                files: [{from: ./launch.py, to: /opt/launch.py}]
                models: [{folder: checkpoints, source: ./a.bin, sha256: %s}]
                """.formatted(COMMIT, SHA), DIR, "in.yaml");
        String text = RecipeWriter.write(r, DIR, "header line");
        assertThat(text).startsWith("# header line\n");
        assertThat(RecipeParser.parse(text, DIR, "out.yaml")).isEqualTo(r);
    }
}
