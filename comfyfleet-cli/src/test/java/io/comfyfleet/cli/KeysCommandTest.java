package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.cli.up.KeyFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code comfyfleet keys} and {@code keys rotate} on a configuration in a temporary folder, in-process. */
class KeysCommandTest {
    @TempDir
    Path dir;
    Path config;

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void writeConfig() throws Exception {
        config = Files.writeString(dir.resolve("comfyfleet.yaml"), """
                server:
                  adminKey: ${COMFYFLEET_ADMIN_KEY}
                endpoints:
                  - name: ep
                    clientKeys: ["${COMFYFLEET_CLIENT_KEY}"]
                    workerKeys: ["${COMFYFLEET_WORKER_KEY}"]
                    webhookSecret: ${COMFYFLEET_WEBHOOK_SECRET}
                workers: {comfyui: {emulator: true}}
                """);
    }

    private Run keys(Map<String, String> env, String... args) {
        KeysCommand command = new KeysCommand();
        command.env = env::get;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        all[0] = "--config";
        all[1] = config.toString();
        System.arraycopy(args, 0, all, 2, args.length); // a parent's options come before its subcommand
        int exit = cli.execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    private Map<String, String> kept() {
        return KeyFile.in(dir.resolve("data")).read();
    }

    @Test
    void keysAreGeneratedOnceOwnerOnlyAndShownMaskedUnlessAsked() throws Exception {
        Run masked = keys(Map.of());
        Map<String, String> first = kept();
        Run shown = keys(Map.of(), "--show");

        assertThat(masked.exit()).isZero();
        assertThat(first).containsKeys("COMFYFLEET_CLIENT_KEY", "COMFYFLEET_WORKER_KEY", "COMFYFLEET_WEBHOOK_SECRET");
        assertThat(kept()).as("the second call reuses the file").isEqualTo(first);
        assertThat(Files.getPosixFilePermissions(dir.resolve("data/keys.env")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(masked.out()).contains(dir.resolve("data").resolve("keys.env").toString())
                .doesNotContain(first.get("COMFYFLEET_CLIENT_KEY"))
                .contains(KeyFile.mask(first.get("COMFYFLEET_CLIENT_KEY")))
                .contains("--show");
        assertThat(shown.out()).contains(first.get("COMFYFLEET_CLIENT_KEY")).contains(first.get("COMFYFLEET_WORKER_KEY"));
        assertThat(shown.out().lines().filter(l -> !l.startsWith("keys file:") && !l.startsWith("("))
                .map(l -> l.substring(0, l.indexOf(':') + 1)))
                .as("every key is labelled alike; the variable is named with its source")
                .containsExactly("client key:", "worker key:", "admin key:", "webhook secret:");
    }

    @Test
    void anEnvironmentVariableOverridesTheKeptKeyAndIsNamedAsTheSource() {
        keys(Map.of());

        Run run = keys(Map.of("COMFYFLEET_CLIENT_KEY", "env-client-key-0123456789"), "--show");

        assertThat(run.out()).contains("env-client-key-0123456789").contains("from $COMFYFLEET_CLIENT_KEY");
        assertThat(kept().get("COMFYFLEET_CLIENT_KEY")).isNotEqualTo("env-client-key-0123456789");
    }

    @Test
    void rotatingTheClientKeyKeepsTheWorkerKeyAndSaysWhoNeedsTheNewOne() {
        keys(Map.of());
        Map<String, String> before = kept();

        Run run = keys(Map.of(), "rotate", "client");

        Map<String, String> after = kept();
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(after.get("COMFYFLEET_CLIENT_KEY")).startsWith("cf-client-").isNotEqualTo(before.get("COMFYFLEET_CLIENT_KEY"));
        assertThat(after.get("COMFYFLEET_WORKER_KEY")).isEqualTo(before.get("COMFYFLEET_WORKER_KEY"));
        assertThat(after.get("COMFYFLEET_WEBHOOK_SECRET")).isEqualTo(before.get("COMFYFLEET_WEBHOOK_SECRET"));
        assertThat(run.out()).contains("restarted").contains("Clients").doesNotContain("Workers you run");
    }

    @Test
    void rotatingWithoutAnArgumentReplacesBothAndAnUnknownOneIsRefused() {
        keys(Map.of());
        Map<String, String> before = kept();

        Run both = keys(Map.of(), "rotate");
        Run bad = keys(Map.of(), "rotate", "webhook");

        assertThat(both.exit()).isZero();
        assertThat(kept().get("COMFYFLEET_CLIENT_KEY")).isNotEqualTo(before.get("COMFYFLEET_CLIENT_KEY"));
        assertThat(kept().get("COMFYFLEET_WORKER_KEY")).isNotEqualTo(before.get("COMFYFLEET_WORKER_KEY"));
        assertThat(both.out()).contains("Workers you run yourself");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("client or worker");
    }

    /** The file says a shell can source it: written as a shell writes it, its keys are the keys in force. */
    @Test
    void aKeyFileWrittenShellStyleKeepsItsKeys() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/keys.env"), """
                # kept by hand, so that `set -a; . data/keys.env` gives the same keys
                export COMFYFLEET_CLIENT_KEY=cf-client-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
                COMFYFLEET_WORKER_KEY="cf-worker-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                export COMFYFLEET_ADMIN_KEY='cf-admin-cccccccccccccccccccccccccccccccc'
                """);

        Run run = keys(Map.of(), "--show");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("client key:      cf-client-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa   from the keys file")
                .contains("worker key:      cf-worker-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb   from the keys file")
                .contains("admin key:       cf-admin-cccccccccccccccccccccccccccccccc   from the keys file")
                .doesNotContain("export");
        assertThat(kept()).containsEntry("COMFYFLEET_CLIENT_KEY", "cf-client-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
                .containsEntry("COMFYFLEET_WORKER_KEY", "cf-worker-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
                .doesNotContainKey("export");
    }

    @Test
    void aLineThatIsNotAVariableIsRefusedByItsNumberAndTheFileIsLeftAsItWas() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        String[][] cases = {
                {"COMFYFLEET_CLIENT_KEY=cf-client-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nCOMFYFLEET_WORKER_KEY\n",
                        "line 2 has no '=': write NAME=value, like COMFYFLEET_CLIENT_KEY=cf-client-..."},
                {"COMFYFLEET_CLIENT_KEY=cf-client-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\nCOMFYFLEET_CLIENT_KEY=short\n",
                        "line 3 sets COMFYFLEET_CLIENT_KEY again (line 1 did): keep one"},
                {"CLIENT KEY=cf-client-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                        "line 1: 'CLIENT KEY' is not a variable name (letters, digits and '_', not starting with a digit)"},
        };
        for (String[] c : cases) {
            Files.writeString(dir.resolve("data/keys.env"), c[0]);

            Run run = keys(Map.of());

            assertThat(run.exit()).as(c[1]).isEqualTo(2);
            assertThat(run.err()).as(c[1]).contains("the key file " + dir.resolve("data/keys.env") + " holds a line"
                    + " that is not NAME=value; fix it (nothing was changed) or delete the file to generate new keys: "
                    + c[1]).doesNotContain("aaaaaaaa");
            assertThat(Files.readString(dir.resolve("data/keys.env"))).as(c[1]).isEqualTo(c[0]);
        }

        Files.write(dir.resolve("data/keys.env"), new byte[] {(byte) 0x89, 'P', 'N', 'G', (byte) 0xff, (byte) 0xfe});
        Run binary = keys(Map.of());
        assertThat(binary.exit()).isEqualTo(2);
        assertThat(binary.err()).contains("the key file " + dir.resolve("data/keys.env") + " is not text; delete it to"
                + " generate new keys: it is not UTF-8").doesNotContain("permissions");
    }
}
