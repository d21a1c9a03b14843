package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.config.WorkerConfigException;
import io.comfyfleet.worker.input.UrlPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.cli.ParseException;
import picocli.CommandLine;

class WorkerCommandTest {
    @TempDir
    Path dir;

    private static WorkerSettings settings(Map<String, String> env, String... args) throws ParseException {
        return WorkerCommand.parse(args, env).settings(env);
    }

    @Test
    void flagsBuildGatewayTemplatesAndAnAttachedComfyUi() throws ParseException {
        WorkerSettings s = settings(Map.of(), "--gateway-url", "http://127.0.0.1:8080", "--endpoint", "ep", "--worker-id", "w1",
                "--worker-key", "K", "--comfyui-url", "http://127.0.0.1:8188", "--work-dir", dir.toString(),
                "--allow-input-address", "loopback,link-local", "--on-comfyui-crash", "hand-back", "--execution-timeout", "90");
        assertThat(s.gateway().jobTakeUri(false)).hasToString("http://127.0.0.1:8080/v2/ep/job-take/w1?gpu=none&job_in_progress=0");
        assertThat(s.gateway().apiKey()).isEqualTo("K");
        assertThat(s.comfyUrl()).hasToString("http://127.0.0.1:8188");
        assertThat(s.launch()).isNull();
        assertThat(s.urlPolicy().allowedClasses()).containsExactlyInAnyOrder(io.comfyfleet.core.net.AddressClass.LOOPBACK, io.comfyfleet.core.net.AddressClass.LINK_LOCAL);
        assertThat(s.job().onComfyCrash()).isEqualTo(WorkerSettings.CrashPolicy.HAND_BACK);
        assertThat(s.job().executionTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.job().progressInterval()).as("the default").isEqualTo(Duration.ofMillis(300));
    }

    /** Only provider-started workers get the limit (in their environment); RunPod's own set no such variable. */
    @Test
    void theGatewaySilenceLimitComesFromTheProvidersVariableAndIsOffWithoutIt() throws ParseException {
        String[] args = {"--gateway-url", "http://h", "--endpoint", "ep", "--comfyui-url", "http://c"};
        assertThat(WorkerCommand.parse(args, Map.of()).gatewaySilenceLimitS).as("RunPod: never").isZero();
        Map<String, String> provided = Map.of(io.comfyfleet.fleet.provider.GatewaySilenceLimit.VARIABLE, "300");
        assertThat(WorkerCommand.parse(args, provided).gatewaySilenceLimitS).isEqualTo(300);
        String[] flag = {"--gateway-url", "http://h", "--endpoint", "ep", "--comfyui-url", "http://c",
                "--gateway-silence-limit", "60"};
        assertThat(WorkerCommand.parse(flag, provided).gatewaySilenceLimitS).as("the flag wins").isEqualTo(60);
        String[] negative = {"--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k",
                "--comfyui-url", "http://c", "--work-dir", dir.toString(), "--gateway-silence-limit", "-1"};
        assertThatThrownBy(() -> settings(Map.of(), negative)).isInstanceOf(WorkerConfigException.class)
                .hasMessageStartingWith("--gateway-silence-limit");
    }

    /** A container's or pod's worker takes where its outputs go from its environment, as its ComfyUI port. */
    @Test
    void whereOutputsGoComesFromTheEnvironmentUnlessTheFlagSaysIt() throws ParseException {
        String[] args = {"--gateway-url", "http://h", "--endpoint", "ep", "--comfyui-url", "http://c"};
        assertThat(WorkerCommand.parse(args, Map.of()).outputs).isEqualTo("inline");
        assertThat(WorkerCommand.parse(args, Map.of("COMFYFLEET_OUTPUTS", "gateway")).outputs).isEqualTo("gateway");
        String[] flag = {"--gateway-url", "http://h", "--endpoint", "ep", "--comfyui-url", "http://c",
                "--outputs", "s3"};
        assertThat(WorkerCommand.parse(flag, Map.of("COMFYFLEET_OUTPUTS", "gateway")).outputs).isEqualTo("s3");
    }

    /** A bad value set in a container's or pod's environment is named by its variable, where it came from. */
    @Test
    void aBadValueFromTheEnvironmentNamesItsVariable() {
        String[] args = {"--gateway-url", "http://h", "--endpoint", "ep", "--comfyui-url", "http://c"};
        assertThatThrownBy(() -> WorkerCommand.parse(args, Map.of("COMFYFLEET_OUTPUTS", "disk")))
                .isInstanceOf(WorkerConfigException.class)
                .hasMessage("COMFYFLEET_OUTPUTS: must be inline, s3 or gateway (got 'disk')");
        assertThatThrownBy(() -> WorkerCommand.parse(args,
                Map.of(io.comfyfleet.fleet.provider.GatewaySilenceLimit.VARIABLE, "5m")))
                .isInstanceOf(WorkerConfigException.class)
                .hasMessage(io.comfyfleet.fleet.provider.GatewaySilenceLimit.VARIABLE
                        + ": must be a whole number (got '5m')");
    }

    @Test
    void progressIntervalIsSetInMillisecondsAndBoundedBelow() throws ParseException {
        String[] base = {"--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k", "--comfyui-url", "http://c",
                "--work-dir", dir.toString()};
        String[] oneSecond = java.util.stream.Stream.concat(java.util.Arrays.stream(base),
                java.util.stream.Stream.of("--progress-interval", "1000")).toArray(String[]::new);
        assertThat(settings(Map.of(), oneSecond).job().progressInterval()).isEqualTo(Duration.ofSeconds(1));
        String[] tooOften = java.util.stream.Stream.concat(java.util.Arrays.stream(base),
                java.util.stream.Stream.of("--progress-interval", "10")).toArray(String[]::new);
        assertThatThrownBy(() -> settings(Map.of(), tooOften)).isInstanceOf(WorkerConfigException.class)
                .hasMessageStartingWith("--progress-interval").hasMessageContaining("at least 50 ms");
    }

    @Test
    void runpodEnvironmentIsUsedWithoutGatewayFlags() throws ParseException {
        Map<String, String> env = Map.of(
                "RUNPOD_WEBHOOK_GET_JOB", "http://ctl/v2/ep1/job-take/$ID?gpu=SIM",
                "RUNPOD_WEBHOOK_POST_OUTPUT", "http://ctl/v2/ep1/job-done/$RUNPOD_POD_ID/$ID?gpu=SIM",
                "RUNPOD_POD_ID", "pod7", "RUNPOD_AI_API_KEY", "secret",
                "BUCKET_ENDPOINT_URL", "http://s3.local:9000", "BUCKET_NAME", "b", "BUCKET_ACCESS_KEY_ID", "a",
                "BUCKET_SECRET_ACCESS_KEY", "s");
        WorkerSettings s = settings(env, "--comfyui-command", "./comfyfleet emulator --port {port}", "--comfyui-port", "9188",
                "--work-dir", dir.toString(), "--outputs", "s3");
        assertThat(s.gateway().workerId()).isEqualTo("pod7");
        assertThat(s.launch().command()).containsExactly("/bin/sh", "-c", "./comfyfleet emulator --port 9188");
        assertThat(s.outputs().s3().path("bucketName").asString()).isEqualTo("b");
    }

    /** A warm-up workflow with a key twice would warm up on one of them unseen: refused, naming key and line. */
    @Test
    void aWarmupWorkflowWithAKeyTwiceNamesItAndTheLine() throws Exception {
        Path warmup = java.nio.file.Files.writeString(dir.resolve("warmup.json"),
                "{\"1\": {\"class_type\": \"A\",\n \"class_type\": \"B\"}}");
        assertThatThrownBy(() -> settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k",
                "--comfyui-url", "http://c", "--work-dir", dir.toString(), "--warmup-workflow", warmup.toString()))
                .isInstanceOf(WorkerConfigException.class).hasMessageStartingWith("--warmup-workflow")
                .hasMessageContaining("cannot read " + warmup + ": line 2: the key \"class_type\" appears twice in the"
                        + " object at /1; keep one");
    }

    /** A warm-up file that is not JSON names the flag and what broke, without the parser's "[Source: ...]" suffix. */
    @Test
    void aWarmupWorkflowThatIsNotJsonNamesTheFlagPlainly() throws Exception {
        Path warmup = java.nio.file.Files.writeString(dir.resolve("warmup.json"), "{\"1\": ");
        assertThatThrownBy(() -> settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k",
                "--comfyui-url", "http://c", "--work-dir", dir.toString(), "--warmup-workflow", warmup.toString()))
                .isInstanceOf(WorkerConfigException.class)
                .hasMessageStartingWith("--warmup-workflow").hasMessageContaining("cannot read " + warmup + ": it is not JSON: ")
                .hasMessageNotContaining("Source:");
    }

    @Test
    void mistakesNameTheFlag() {
        assertThatThrownBy(() -> settings(Map.of(), "--comfyui-url", "http://127.0.0.1:8188"))
                .isInstanceOf(WorkerConfigException.class).hasMessageStartingWith("--gateway-url");
        assertThatThrownBy(() -> settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k"))
                .hasMessageStartingWith("--comfyui-url").hasMessageContaining("exactly one");
        assertThatThrownBy(() -> settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k",
                "--comfyui-url", "http://c", "--on-comfyui-crash", "retry")).hasMessageStartingWith("--on-comfyui-crash");
        assertThatThrownBy(() -> settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k",
                "--comfyui-url", "http://c", "--allow-input-address", "everything")).hasMessageStartingWith("--allow-input-address");
        assertThatThrownBy(() -> settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k",
                "--comfyui-url", "http://c", "--outputs", "s3")).hasMessageStartingWith("--outputs");
        assertThatThrownBy(() -> settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k",
                "--comfyui-dir", dir.toString())).hasMessageStartingWith("--comfyui-dir").hasMessageContaining("main.py");
        assertThatThrownBy(() -> settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep",
                "--comfyui-url", "http://c")).hasMessageStartingWith("--worker-key");
    }

    @Test
    void workerIsASubcommandAndBadUsageIsExitCode2() {
        CommandLine cli = Main.commandLine();
        assertThat(cli.getSubcommands()).containsKey("worker");
        cli.setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()));
        assertThat(cli.execute("worker", "--comfyui-port", "notanumber")).isEqualTo(2);
    }

    @Test
    void aLaunchedComfyUiTakesItsArgumentsAsGivenEvenWhenTheyLookLikeOptionsOrAreQuoted() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("main.py"), "");
        WorkerSettings s = settings(Map.of("COMFYFLEET_COMFYUI_PORT", "9300"), "--gateway-url", "http://h", "--endpoint", "ep",
                "--worker-key", "k", "--comfyui-dir", dir.toString(), "--comfyui-arg", "--cpu", "--comfyui-arg=--highvram",
                "--comfyui-arg", "'quoted'", "--previews", "--work-dir", dir.toString());
        assertThat(s.launch().command()).contains("--port", "9300").endsWith("--preview-method", "latent2rgb", "--cpu",
                "--highvram", "'quoted'");
        WorkerSettings shell = settings(Map.of(), "--gateway-url", "http://h", "--endpoint", "ep", "--worker-key", "k",
                "--comfyui-command", "'java' '-jar' 'x.jar' --port {port}", "--work-dir", dir.toString());
        assertThat(shell.launch().command().get(2)).isEqualTo("'java' '-jar' 'x.jar' --port 8188");
    }

    @Test
    void badUsageIsRefusedNamingWhatToChange() {
        assertThatThrownBy(() -> WorkerCommand.parse(new String[] {"--no-such-option"}, Map.of()))
                .isInstanceOf(ParseException.class).hasMessageContaining("--no-such-option");
        assertThatThrownBy(() -> WorkerCommand.parse(new String[] {"--comfyui"}, Map.of()))
                .as("a prefix of an option is not guessed").isInstanceOf(ParseException.class);
        assertThatThrownBy(() -> WorkerCommand.parse(new String[] {"--endpoint"}, Map.of()))
                .isInstanceOf(ParseException.class).hasMessageContaining("endpoint");
        assertThatThrownBy(() -> WorkerCommand.parse(new String[] {"--comfyui-port", "notanumber"}, Map.of()))
                .hasMessageStartingWith("--comfyui-port").hasMessageContaining("whole number");
        assertThatThrownBy(() -> WorkerCommand.parse(new String[] {"--comfyui-port", "99999999999"}, Map.of()))
                .hasMessageStartingWith("--comfyui-port").hasMessageContaining("out of range");
        assertThatThrownBy(() -> WorkerCommand.parse(new String[] {"--worker-id", "a", "--worker-id", "b"}, Map.of()))
                .hasMessageStartingWith("--worker-id").hasMessageContaining("more than once");
        assertThatThrownBy(() -> WorkerCommand.parse(new String[] {"stray"}, Map.of()))
                .hasMessageStartingWith("stray").hasMessageContaining("not an option");
    }

    @Test
    void theProcessEntryAnswersHelpAndBadUsageWithoutStartingAWorker() throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertThat(WorkerCommand.main(new String[] {"--help"}, Map.of(), o, e)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("comfyfleet worker", "--gateway-url", "--comfyui-port",
                "--warmup-workflow");
        assertThat(WorkerCommand.main(new String[] {"--gateway-url", "http://h", "--no-such-option"}, Map.of(), o, e))
                .isEqualTo(2);
        assertThat(WorkerCommand.main(new String[] {"--comfyui-url", "http://c"}, Map.of(), o, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--no-such-option", "--gateway-url: is required",
                "comfyfleet worker --help");
    }
}
