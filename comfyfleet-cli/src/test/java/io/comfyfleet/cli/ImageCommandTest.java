package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code comfyfleet image lock} and {@code image build --context-only} through the command line (no engine). */
class ImageCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void lockWritesARecipeThatBuildsIntoTheSameContextDigestTwiceAndAWrongHashStopsNamingTheFile() throws Exception {
        Path comfy = Files.createDirectories(dir.resolve("ComfyUI"));
        Files.writeString(comfy.resolve("main.py"), "print('ComfyUI')\n");
        Files.createDirectories(comfy.resolve("custom_nodes/plain"));
        Files.writeString(comfy.resolve("custom_nodes/plain/__init__.py"), "NODE_CLASS_MAPPINGS = {}\n");
        Files.createDirectories(comfy.resolve("models/loras"));
        Files.writeString(comfy.resolve("models/loras/style.safetensors"), "lora");
        Path recipe = dir.resolve("comfyfleet-image.yaml");

        Run lock = run("image", "lock", comfy.toString(), "-o", recipe.toString());
        assertThat(lock.exit()).as(lock.err()).isZero();
        assertThat(lock.out().strip()).isEqualTo(recipe.toString());
        String text = Files.readString(recipe);
        assertThat(text).contains("name: plain").contains("folder: loras").contains("sha256: ");

        // a small runtime and a stand-in jar keep this test quick; the real jar goes in by ImageBuildIT
        Files.writeString(dir.resolve("comfyfleet.jar"), "stand-in");
        Files.writeString(recipe, text + "worker:\n  jar: ./comfyfleet.jar\n  javaModules: [java.base]\n");
        String cache = Path.of("target/image-test-cache").toAbsolutePath().toString();
        Run first = run("image", "build", recipe.toString(), "--context-only", "--cache-dir", cache);
        assertThat(first.exit()).as(first.err()).isZero();
        Run second = run("image", "build", recipe.toString(), "--context-only", "--cache-dir", cache);
        String digest = first.out().strip();
        assertThat(digest).matches("[0-9a-f]{64}");
        assertThat(second.out().strip()).isEqualTo(digest);

        Files.writeString(comfy.resolve("models/loras/style.safetensors"), "changed after locking");
        Run wrong = run("image", "build", recipe.toString(), "--context-only", "--cache-dir", cache);
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("models[0] (loras/style.safetensors)")
                .contains("style.safetensors has sha256 ").contains(" but the recipe says ");
    }

    @Test
    void aBadRecipeNamesItsKeysAndExitsOne() throws Exception {
        Path recipe = dir.resolve("bad.yaml");
        Files.writeString(recipe, "base: x\ncomfyui: {path: ./nowhere}\nmodels: [{folder: loras, source: ./a, sha256: nope}]\n");
        Run r = run("image", "build", recipe.toString(), "--context-only");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("models[0].sha256: must be the file's sha256");
    }
}
