package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.cli.up.UpProcess;
import io.comfyfleet.testkit.FreePorts;
import io.comfyfleet.testkit.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
        Path config = config("""
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
        Path config = config("""
                server: {dataDir: a-file/data}
                """);

        Run run = up("--config", config.toString(), "--emulator");

        assertThat(run.exit).as(run.err).isEqualTo(2);
        assertThat(run.err).contains("comfyfleet up: server.dataDir: cannot write the key file "
                + dir.resolve("a-file").resolve("data").resolve("keys.env"));
    }

    @Test
    void withoutAComfyUiChoiceItSaysWhichFlagToGive() throws Exception {
        Path config = config("");

        Run run = up("--config", config.toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("workers.comfyui: not set; pass --emulator (no GPU) or --comfyui-dir");
    }

    @Test
    void aFolderWithoutComfyUiIsRefused() throws Exception {
        Run run = up("--comfyui-dir", dir.toString(), "--config", config("").toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("--comfyui-dir: " + dir + " has no main.py; give the folder of a ComfyUI checkout");
    }

    @Test
    void aComfyUiFolderOrPythonFromTheFileThatCannotRunIsRefusedBeforeAnyJobWaits() throws Exception {
        Path config = config("""
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
        Path config = config("""
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
        Path config = config("""
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
        Run run = up("--emulator", "--python", "python3", "--config", config("").toString());

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("--python: goes with --comfyui-dir, not --emulator");
    }

    /**
     * comfyfleet.yaml with one endpoint that loads, then {@code more} (sections at the top level): without more, what
     * a test refuses is the command line's doing.
     */
    private Path config(String more) throws Exception {
        return Files.writeString(dir.resolve("comfyfleet.yaml"), """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """ + more);
    }

    private Path fakeCheckout() throws Exception {
        Path comfy = Files.createDirectories(dir.resolve("ComfyUI"));
        Files.writeString(comfy.resolve("main.py"), "print('not run by these tests')\n");
        return comfy;
    }

    /**
     * A second gateway on the PostgreSQL store of a first one, started as the first was (keys from the environment
     * or generated), used to generate keys of its own: the first gateway's clients got 401 there, and behind a load
     * balancer every other call failed. It is refused, naming the variables and the keys file to copy; with the
     * first gateway's keys file copied it starts and takes the first gateway's client key.
     */
    @Test
    void aSecondGatewayOnAStoreAnotherServesDoesNotMakeUpKeysOfItsOwn() throws Exception {
        try (EmbeddedPostgres postgres = TestPostgres.start()) {
            String yaml = """
                    server: {port: %d, dataDir: data}
                    store: {type: postgres, url: "%s", user: postgres}
                    endpoints:
                      - name: ep1
                        clientKeys: ["${COMFYFLEET_CLIENT_KEY}"]
                        workerKeys: ["${COMFYFLEET_WORKER_KEY}"]
                    workers: {cpuSlots: 1, basePort: %d}
                    """;
            Path first = Files.createDirectories(dir.resolve("first"));
            Path second = Files.createDirectories(dir.resolve("second"));
            String firstYaml = yaml.formatted(FreePorts.one(), TestPostgres.url(postgres), UpProcess.freePortRun(1));
            try (UpProcess a = UpProcess.start(first, firstYaml, "ep1", "--emulator")) {
                assertThat(a.root()).isNotEmpty();
            }
            Files.writeString(second.resolve("comfyfleet.yaml"),
                    yaml.formatted(FreePorts.one(), TestPostgres.url(postgres), UpProcess.freePortRun(1)));

            // a process: an up that is not refused serves until it is stopped
            Process refused = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "io.comfyfleet.cli.Main", "up", "--config", "comfyfleet.yaml", "--emulator")
                    .directory(second.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("second.out").toFile()).start();
            boolean ended = refused.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            if (!ended) {
                refused.descendants().forEach(ProcessHandle::destroyForcibly);
                refused.destroyForcibly();
            }
            refused.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            String output = Files.readString(dir.resolve("second.out"));
            assertThat(ended).as("up started beside the first gateway with keys of its own:%n%s", output).isTrue();
            assertThat(refused.exitValue()).as(output).isEqualTo(2);
            Path keys = second.resolve("data").resolve("keys.env");
            assertThat(output).contains("COMFYFLEET_CLIENT_KEY, COMFYFLEET_WORKER_KEY: not set in the environment and"
                    + " not kept in " + keys + ", but the PostgreSQL store " + TestPostgres.url(postgres)
                    + " already holds endpoint(s) [ep1] that another gateway serves")
                    .contains("copy its data folder's keys.env to " + keys);
            assertThat(keys).as("no key was made up and kept").doesNotExist();

            Files.createDirectories(keys.getParent());
            Files.copy(first.resolve("data").resolve("keys.env"), keys);
            String secondYaml = Files.readString(second.resolve("comfyfleet.yaml"));
            try (UpProcess b = UpProcess.start(second, secondYaml, "ep1", "--emulator")) {
                String clientKey = Files.readAllLines(keys).stream().filter(l -> l.startsWith("COMFYFLEET_CLIENT_KEY="))
                        .findFirst().orElseThrow().substring("COMFYFLEET_CLIENT_KEY=".length());
                HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(b.root() + "/v2/ep1/health")).header("Authorization", "Bearer " + clientKey).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            }
        }
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

    /** A key written twice would start on its last value with no word of the first: exit 2 naming the key and line. */
    @Test
    void aKeyWrittenTwiceExitsWith2NamingTheKeyAndLine() throws Exception {
        Path config = dir.resolve("comfyfleet.yaml");
        Files.writeString(config, """
                endpoints:
                  - name: ep1
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                    scaler: {type: QUEUE_DELAY}
                    scaler: {type: FOO}
                """);

        // the second is a bad value, so a reader that kept the last would also exit 2, but name it, not the repeat
        Run run = up("--config", config.toString(), "--emulator");

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.err).contains("the key \"scaler\" appears twice in endpoints[0] (line 6)");
    }
}
