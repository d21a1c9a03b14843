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
    void aFolderWithoutComfyUiIsRefused() {
        Run run = up("--comfyui-dir", dir.toString(), "--config", dir.resolve("missing.yaml").toString());

        assertThat(run.exit).isEqualTo(2);
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
