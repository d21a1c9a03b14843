package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayCommandTest {
    @TempDir
    Path dir;

    @Test
    void aBadConfigurationExitsWith2AndNamesTheKey() throws Exception {
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                    scaler: {type: FOO}
                """);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = Main.commandLine().execute("gateway", "--config", config.toString());
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("endpoints[0].scaler.type: must be QUEUE_DELAY, REQUEST_COUNT, COLD_START_AWARE or TARGET_WAIT, got \"FOO\"");
    }

    @Test
    void aMissingFileSaysSo() {
        int exit = Main.commandLine().execute("gateway", "--config", dir.resolve("nope.yaml").toString());
        assertThat(exit).isEqualTo(2);
    }

    /** The second value is bad, so a reader that kept the last would also exit 2, but name it, not the repeat. */
    @Test
    void aKeyWrittenTwiceExitsWith2NamingTheKeyAndLine() throws Exception {
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                server:
                  port: 8080
                  port: none
                """);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = Main.commandLine().execute("gateway", "--config", config.toString());
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("the key \"port\" appears twice in server (line 3);"
                + " a key may appear once in a mapping: keep the value you mean and remove the other");
    }
}
