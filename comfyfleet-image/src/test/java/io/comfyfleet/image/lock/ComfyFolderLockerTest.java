package io.comfyfleet.image.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.image.TestGit;
import io.comfyfleet.image.build.Hashing;
import io.comfyfleet.image.recipe.Recipe;
import io.comfyfleet.image.recipe.RecipeParser;
import io.comfyfleet.image.recipe.RecipeWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComfyFolderLockerTest {
    @TempDir
    Path dir;

    @Test
    void locksNodeCommitsRemotesModelsAndInstalledVersionsOfAComfyUiFolder() throws Exception {
        Path comfy = Files.createDirectories(dir.resolve("ComfyUI"));
        Files.writeString(comfy.resolve("main.py"), "print('ComfyUI')\n");
        Files.writeString(comfy.resolve("requirements.txt"), "PyYAML\nnot-installed-anywhere-xyz\n");
        Path withRemote = Files.createDirectories(comfy.resolve("custom_nodes/ComfyUI-Remote"));
        Files.writeString(withRemote.resolve("__init__.py"), "NODE_CLASS_MAPPINGS = {}\n");
        String remoteCommit = TestGit.commitAll(withRemote, "remote node");
        TestGit.git(withRemote, "remote", "add", "origin", "https://github.com/example/ComfyUI-Remote.git");
        Path localRepo = Files.createDirectories(comfy.resolve("custom_nodes/local-repo"));
        Files.writeString(localRepo.resolve("__init__.py"), "NODE_CLASS_MAPPINGS = {}\n");
        String localCommit = TestGit.commitAll(localRepo, "local node");
        Files.createDirectories(comfy.resolve("custom_nodes/plain-folder"));
        Files.writeString(comfy.resolve("custom_nodes/plain-folder/__init__.py"), "x = 1\n");
        Files.writeString(comfy.resolve("custom_nodes/single_file.py"), "y = 2\n");
        Files.createDirectories(comfy.resolve("custom_nodes/__pycache__"));
        Path ckpt = Files.createDirectories(comfy.resolve("models/checkpoints")).resolve("a.safetensors");
        Files.writeString(ckpt, "checkpoint");
        Files.writeString(comfy.resolve("models/checkpoints/put_checkpoints_here"), "");
        Path lora = Files.createDirectories(comfy.resolve("models/loras/styles")).resolve("b.safetensors");
        Files.writeString(lora, "lora");

        ComfyFolderLocker locker = new ComfyFolderLocker();
        Recipe r = locker.lock(comfy, "python3", false, "localhost/debian:bookworm");

        assertThat(r.comfyui().source().path()).isEqualTo(comfy);
        assertThat(r.nodes()).extracting(Recipe.Node::name).containsExactly("ComfyUI-Remote", "local-repo", "plain-folder");
        assertThat(r.nodes().get(0).source().git()).isEqualTo("https://github.com/example/ComfyUI-Remote.git");
        assertThat(r.nodes().get(0).source().commit()).isEqualTo(remoteCommit);
        assertThat(r.nodes().get(1).source().git()).isEqualTo(localRepo.toString());
        assertThat(r.nodes().get(1).source().commit()).isEqualTo(localCommit);
        assertThat(r.nodes().get(2).source().path()).isEqualTo(comfy.resolve("custom_nodes/plain-folder"));
        assertThat(r.files()).singleElement().satisfies(f ->
                assertThat(f.target()).isEqualTo("/opt/ComfyUI/custom_nodes/single_file.py"));
        assertThat(r.models()).extracting(Recipe.Model::id).containsExactly("checkpoints/a.safetensors", "loras/styles/b.safetensors");
        assertThat(r.models().get(0).sha256()).isEqualTo(Hashing.sha256(ckpt));
        // python3 here is Debian's, with python3-yaml: the requirement is pinned to what is installed
        assertThat(r.pip().packages()).singleElement().satisfies(p -> assertThat(p).matches("pyyaml==[0-9.]+"));
        assertThat(locker.warnings()).anySatisfy(w -> assertThat(w).contains("local-repo: has no 'origin' remote"))
                .anySatisfy(w -> assertThat(w).contains("'not-installed-anywhere-xyz' is required but not installed"));

        // the written recipe reads back as the same recipe
        String text = RecipeWriter.write(r, dir, "locked");
        Files.writeString(dir.resolve("comfyfleet-image.yaml"), text);
        assertThat(RecipeParser.parse(dir.resolve("comfyfleet-image.yaml"))).isEqualTo(r);
        assertThat(text).contains("git: https://github.com/example/ComfyUI-Remote.git").contains("commit: " + remoteCommit);
    }
}
