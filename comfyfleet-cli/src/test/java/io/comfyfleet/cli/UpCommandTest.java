package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code comfyfleet up} refuses to start with: exit code 2 and the key to change. */
class UpCommandTest {
    @TempDir
    Path dir;

    @Test
    void aBadWorkersSectionExitsWith2AndNamesTheKey() throws Exception {
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                workers:
                  cpuSlots: none
                """);

        Run run = up("--config", config.toString(), "--emulator");

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("workers.cpuSlots: must be a whole number from 1 to 256, got \"none\"");
    }

    /** A data folder that cannot be created or written is a setting to change: exit 2 naming server.dataDir. */
    @Test
    void aDataFolderThatCannotBeWrittenExitsWith2AndNamesTheKey() throws Exception {
        Files.writeString(dir.resolve("a-file"), "not a folder");
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                server: {dataDir: a-file/data}
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """);

        Run run = up("--config", config.toString(), "--emulator");

        assertThat(run.exit).as(run.err).isEqualTo(2);
        assertThat(run.err).contains("comfyfleet up: server.dataDir: cannot write the key file "
                + dir.resolve("a-file").resolve("data").resolve("keys.env"));
    }

    @Test
    void withoutAComfyUiChoiceItSaysWhichFlagToGive() throws Exception {
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """);

        Run run = up("--config", config.toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("workers.comfyui: not set; pass --emulator (no GPU) or --comfyui-dir");
    }

    @Test
    void aFolderWithoutComfyUiIsRefused() throws Exception {
        Run run = up("--comfyui-dir", dir.toString(), "--config", minimalConfig().toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("--comfyui-dir: " + dir + " has no main.py; give the folder of a ComfyUI checkout");
    }

    @Test
    void aComfyUiFolderOrPythonFromTheFileThatCannotRunIsRefusedBeforeAnyJobWaits() throws Exception {
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                workers:
                  comfyui: {dir: no-comfyui-here, python: /nonexistent/bin/python3}
                """);

        Run run = up("--config", config.toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err)
                .contains("workers.comfyui.dir: " + dir.resolve("no-comfyui-here") + " has no main.py")
                .contains("workers.comfyui.python: /nonexistent/bin/python3 does not exist");
    }

    @Test
    void aBarePythonNameMustBeOnThePath() throws Exception {
        Path comfy = fakeCheckout();
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                workers:
                  comfyui: {dir: %s, python: python3-no-such-name}
                """.formatted(comfy));

        Run run = up("--config", config.toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("workers.comfyui.python: python3-no-such-name is not found on the PATH")
                .doesNotContain("main.py");
    }

    @Test
    void thePythonFlagOverridesTheFilesPythonAndIsChecked() throws Exception {
        Path comfy = fakeCheckout();
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                workers:
                  comfyui: {dir: %s, python: /bin/sh}
                """.formatted(comfy));

        // before, --python without --comfyui-dir was dropped without a word and the file's python ran
        Run run = up("--config", config.toString(), "--python", dir.resolve("venv/bin/python").toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("invalid configuration " + config + " and the command line:")
                .contains("--python: " + dir.resolve("venv/bin/python") + " does not exist");
    }

    @Test
    void thePythonFlagWithoutAComfyUiFolderSaysWhatItGoesWith() throws Exception {
        Run run = up("--emulator", "--python", "python3", "--config", minimalConfig().toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("--python: goes with --comfyui-dir, not --emulator");
    }

    /** A file that loads: what a test refuses is then the command line's doing. */
    private Path minimalConfig() throws Exception {
        return Files.writeString(dir.resolve("minimal.yaml"), """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """);
    }

    private Path fakeCheckout() throws Exception {
        Path comfy = Files.createDirectories(dir.resolve("ComfyUI"));
        Files.writeString(comfy.resolve("main.py"), "print('not run by these tests')\n");
        return comfy;
    }

    private record Run(int exit, String err) {}

    private static Run up(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        String[] full = new String[args.length + 1];
        full[0] = "up";
        System.arraycopy(args, 0, full, 1, args.length);
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.commandLine().execute(full);
            return new Run(exit, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }
}
