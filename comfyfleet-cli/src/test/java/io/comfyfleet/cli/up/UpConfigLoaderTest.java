package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.gateway.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpConfigLoaderTest {
    @TempDir
    Path dir;

    /** comfyfleet.yaml with one endpoint that loads, then {@code more} (sections at the top level, such as workers). */
    private Path config(String more) throws IOException {
        return Files.writeString(dir.resolve("comfyfleet.yaml"), """
                endpoints:
                  - name: ep
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """ + more);
    }

    @Test
    void withoutAFileKeysAreGeneratedAndDataGoesUnderTheWorkingFolder() {
        UpConfig config = new UpConfigLoader(name -> null).load(null, dir);

        assertThat(config.source()).isEqualTo("built-in defaults");
        assertThat(config.gateway().server().dataDir()).isEqualTo(dir.toAbsolutePath().resolve("data"));
        assertThat(config.generated()).containsOnlyKeys("COMFYFLEET_CLIENT_KEY", "COMFYFLEET_WORKER_KEY",
                "COMFYFLEET_ADMIN_KEY");
        assertThat(config.gateway().adminKeys().accepts(config.generated().get("COMFYFLEET_ADMIN_KEY"))).isTrue();
        assertThat(config.clientKey()).startsWith("cf-client-").hasSize(42)
                .isEqualTo(config.generated().get("COMFYFLEET_CLIENT_KEY"));
        assertThat(config.workerKey()).startsWith("cf-worker-").isNotEqualTo(config.clientKey());
        assertThat(config.gateway().endpoints().getFirst().clientKeys().accepts(config.clientKey())).isTrue();
        assertThat(config.gateway().endpoints().getFirst().workerKeys().accepts(config.workerKey())).isTrue();
        assertThat(config.fleet().comfyui()).isInstanceOf(FleetSettings.ComfyLaunch.Unset.class);
    }

    @Test
    void keptKeysAreReusedOnTheNextStartAndASetVariableOverridesThem() throws Exception {
        UpConfig first = new UpConfigLoader(name -> null).load(null, dir);
        assertThat(first.keyFile().exists()).isFalse();
        assertThat(first.keyFile().keep(first.generated())).isTrue();

        UpConfig second = new UpConfigLoader(name -> null).load(null, dir);
        UpConfig fixed = new UpConfigLoader(Map.of("COMFYFLEET_CLIENT_KEY", "my-client-key-0123456789")::get)
                .load(null, dir);

        assertThat(first.keyFile().path()).isEqualTo(dir.toAbsolutePath().resolve("data").resolve("keys.env"));
        assertThat(second.clientKey()).isEqualTo(first.clientKey());
        assertThat(second.workerKey()).isEqualTo(first.workerKey());
        assertThat(second.keyFile().keep(second.generated())).as("nothing new to write").isFalse();
        assertThat(fixed.clientKey()).isEqualTo("my-client-key-0123456789");
        assertThat(fixed.workerKey()).isEqualTo(first.workerKey());
        assertThat(fixed.generated()).containsOnlyKeys("COMFYFLEET_WORKER_KEY", "COMFYFLEET_ADMIN_KEY");
        assertThat(Files.getPosixFilePermissions(first.keyFile().path()))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void withoutAKeptFileEachLoadGeneratesItsOwnKeys() {
        UpConfig first = new UpConfigLoader(name -> null).load(null, dir);
        UpConfig second = new UpConfigLoader(name -> null).load(null, dir);

        assertThat(first.clientKey()).isNotEqualTo(second.clientKey());
    }

    @Test
    void theKeyFileFollowsTheConfiguredDataFolder() throws Exception {
        Path file = dir.resolve("conf").resolve("comfyfleet.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                server: {dataDir: state}
                endpoints:
                  - name: ep
                    clientKeys: ["${COMFYFLEET_CLIENT_KEY}"]
                    workerKeys: ["${COMFYFLEET_WORKER_KEY}"]
                workers: {comfyui: {emulator: true}}
                """);

        UpConfig config = new UpConfigLoader(name -> null).load(file, dir);

        assertThat(config.keyFile().path()).isEqualTo(dir.resolve("conf").resolve("state").resolve("keys.env").toAbsolutePath());
        assertThat(config.gateway().server().dataDir()).isEqualTo(config.keyFile().path().getParent());
    }

    @Test
    void theCheckedInExampleLoadsWithItsWorkersSection() {
        Path example = Path.of(System.getProperty("comfyfleet.repo.dir", "../")).resolve("comfyfleet.yaml");

        UpConfig config = new UpConfigLoader(name -> null).load(example, dir);

        assertThat(config.fleet().provider()).isEqualTo("local");
        assertThat(config.fleet().comfyui()).isInstanceOf(FleetSettings.ComfyLaunch.Emulator.class);
        assertThat(config.generated()).containsKeys("COMFYFLEET_CLIENT_KEY", "COMFYFLEET_WORKER_KEY",
                "COMFYFLEET_WEBHOOK_SECRET");
    }

    @Test
    void everyBadKeyIsNamedAtOnce() throws Exception {
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                endpoints:
                  - name: ep
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                    idleTimeout: 0s
                workers:
                  provider: nomad
                  slotsPerGpu: 0
                  gpus: [0, -1]
                  jobGrace: soon
                  colour: blue
                  warmupWorkflow: missing-warmup.json
                  comfyui: {emulator: true, dir: /opt/ComfyUI}
                """);

        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).anyMatch(p -> p.startsWith("endpoints[0].idleTimeout"))
                        .contains("workers.provider: must be local (workers as processes on this machine), container"
                                + " (workers as containers, see workers.container) or kubernetes (workers as pods), got \"nomad\"",
                                "workers.slotsPerGpu: must be a whole number from 1 to 64, got 0",
                                "workers.gpus[1]: must be a GPU index 0 or more, got -1",
                                "workers.jobGrace: must be a duration like 500ms, 30s, 10m, 24h or 7d, got \"soon\"",
                                "workers.comfyui: give either emulator: true or dir, not both")
                        .anyMatch(p -> p.startsWith("workers.colour: unknown key"))
                        .anyMatch(p -> p.startsWith("workers.warmupWorkflow: cannot read " + dir.resolve("missing-warmup.json"))));
    }

    @Test
    void workersOutputsIsInlineOrGatewayAndForLocalWorkersOnly() throws Exception {
        Path file = dir.resolve("comfyfleet.yaml");
        String endpoint = """
                endpoints:
                  - name: ep
                    clientKeys: [client-key-0123456789]
                    workerKeys: [worker-key-0123456789]
                """;
        Files.writeString(file, endpoint + "workers: {outputs: gateway}\n");
        assertThat(new UpConfigLoader(name -> null).load(file, dir).fleet().outputs()).isEqualTo("gateway");
        Files.writeString(file, endpoint);
        assertThat(new UpConfigLoader(name -> null).load(file, dir).fleet().outputs()).isEqualTo("inline");

        Files.writeString(file, endpoint + "workers: {outputs: s3}\n");
        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).anyMatch(p -> p.startsWith(
                        "workers.outputs: must be inline (base64 in the job's result, up to 20 MB a file) or gateway")));
        Files.writeString(file, endpoint + "workers: {provider: kubernetes, outputs: gateway}\n");
        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains("workers.outputs: applies to"
                        + " local workers; for kubernetes workers set COMFYFLEET_OUTPUTS=gateway in their environment"
                        + " (workers.kubernetes.env)"));
    }

    /**
     * {@code emulator: yes} (YAML 1.2 reads it as text) or {@code "true"} used to count as false without a word: with
     * no {@code --emulator}, the start then said {@code workers.comfyui: not set}, about a key the file does set.
     */
    @Test
    void aComfyuiValueOfTheWrongTypeIsNamed() throws Exception {
        Path file = config("""
                workers:
                  comfyui: {emulator: yes}
                """);
        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("workers.comfyui.emulator: must be true or false, got \"yes\""));

        Files.writeString(file, Files.readString(file).replace("{emulator: yes}",
                "{emulator: true, emulatorArgs: [--zero-time, {fast: 1}]}"));
        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "workers.comfyui.emulatorArgs[1]: must be text, a flag like --zero-time, got {\"fast\":1}"));
    }

    /**
     * {@code gpus: [0, 0]} ran two workers' slots on GPU 0 as if it were two GPUs; a warm-up file that is not JSON
     * was named with the parser's internals ({@code [Source: REDACTED ...]}) in the message.
     */
    @Test
    void aGpuListedTwiceAndAnUnreadableWarmupAreNamedPlainly() throws Exception {
        Files.writeString(dir.resolve("warmup.json"), "not json");
        Path file = config("""
                workers:
                  gpus: [0, 1, 0]
                  warmupWorkflow: warmup.json
                  comfyui: {emulator: true}
                """);

        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "workers.gpus[2]: GPU 0 is listed twice; list each GPU once (workers.slotsPerGpu sets how many"
                                + " workers share one)",
                        "workers.warmupWorkflow: cannot read " + dir.resolve("warmup.json").toAbsolutePath()
                                + " as an API-format workflow: it is not JSON: Unrecognized token 'not': was expecting"
                                + " (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"));
    }

    @Test
    void aWarmupWorkflowWithAKeyTwiceIsNamedWithTheKeyAndLine() throws Exception {
        Files.writeString(dir.resolve("warmup.json"), "{\"1\": {\"class_type\": \"A\",\n \"class_type\": \"B\"}}");
        Path file = config("""
                workers:
                  warmupWorkflow: warmup.json
                  comfyui: {emulator: true}
                """);

        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "workers.warmupWorkflow: cannot read " + dir.resolve("warmup.json").toAbsolutePath()
                                + " as an API-format workflow: line 2: the key \"class_type\" appears twice in the"
                                + " object at /1; keep one"));
    }

    @Test
    void anEmulatorSwitchThatIsNotTrueOrFalseIsRefusedNotReadAsNoComfyUi() throws Exception {
        Path file = config("""
                workers:
                  comfyui: {emulator: {}}
                """);

        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .contains("workers.comfyui.emulator: must be true or false, got {}"));
    }

    @Test
    void theWorkersSectionExpandsVariablesAsTheGatewayDoes() throws Exception {
        Path file = config("""
                workers:
                  jobGrace: 1d
                  comfyui: {dir: "${COMFY_HOME}/ComfyUI", args: ["--output-directory=${OUT}"]}
                """);

        UpConfig config = new UpConfigLoader(Map.of("COMFY_HOME", "/opt", "OUT", "/srv/out")::get).load(file, dir);

        assertThat(config.fleet().jobGrace()).isEqualTo(java.time.Duration.ofDays(1));
        assertThat(config.fleet().comfyui()).isEqualTo(new FleetSettings.ComfyLaunch.Checkout(Path.of("/opt/ComfyUI"),
                "python3", java.util.List.of("--output-directory=/srv/out")));
        assertThatThrownBy(() -> new UpConfigLoader(Map.of("OUT", "/srv/out")::get).load(file, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("workers.comfyui.dir: environment variable COMFY_HOME is not set"));
    }

    @Test
    void aRelativePythonIsRelativeToTheFileAsTheComfyUiDirIs() throws Exception {
        Path file = config("""
                workers:
                  comfyui: {dir: ../ComfyUI, python: ../venv/bin/python}
                """);

        UpConfig config = new UpConfigLoader(name -> null).load(file, dir);

        assertThat(config.fleet().comfyui()).isEqualTo(new FleetSettings.ComfyLaunch.Checkout(
                dir.resolveSibling("ComfyUI"), dir.resolveSibling("venv").resolve("bin/python").toString(), java.util.List.of()));
    }

    @Test
    void theFileIsParsedOnceAndTheGatewayIsHandedItsSectionsOnly() throws Exception {
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                server: {port: 0}
                workers: {provider: local}
                """);

        ConfigFile config = ConfigFile.read(file);

        assertThat(config.gatewaySections().propertyNames()).containsExactly("server");
        assertThat(config.workers().path("provider").asString()).isEqualTo("local");
        assertThat(config.root().has("workers")).as("the parsed file itself is left whole").isTrue();
        assertThat(config.baseDir()).isEqualTo(dir.toAbsolutePath());
    }

    @Test
    void workersMustBeAbleToServeEveryEndpointWithOneKey() throws Exception {
        Path file = dir.resolve("comfyfleet.yaml");
        Files.writeString(file, """
                endpoints:
                  - name: a
                    clientKeys: [client-key-a-0123456789]
                    workerKeys: [worker-key-a-0123456789]
                  - name: b
                    clientKeys: [client-key-b-0123456789]
                    workerKeys: [worker-key-b-0123456789]
                """);

        assertThatThrownBy(() -> new UpConfigLoader(name -> null).load(file, dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("endpoints[1].workerKeys: comfyfleet up starts every worker with the first"
                        + " endpoint's first worker key");
    }
}
