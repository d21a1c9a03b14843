package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.fleet.local.LocalProcessConfig;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerCommandLineTest {
    private static FleetSettings fleet(FleetSettings.ComfyLaunch launch) {
        return new FleetSettings("local", List.of(), 1, 2, 8188, Duration.ofSeconds(12), launch);
    }

    @Test
    void anEmulatorWorkerRunsThisProgramTwiceWithPerSlotPlaceholders() {
        List<String> command = WorkerCommandLine.build(
                fleet(new FleetSettings.ComfyLaunch.Emulator(List.of("--zero-time"))), Path.of("/srv/data"), true);

        assertThat(command).contains("io.comfyfleet.cli.Main", "worker", "--comfyui-port", "{port}", "--work-dir",
                "/srv/data/workers/{workerId}", "--shutdown-grace", "12");
        assertThat(command.get(command.indexOf("--exit-with-pid") + 1)).as("a local worker dies with its up")
                .isEqualTo("{providerPid}");
        String launch = command.get(command.indexOf("--comfyui-command") + 1);
        assertThat(launch).contains("'io.comfyfleet.cli.Main' 'emulator' '--port' {port}")
                .contains("'--output-directory' {output}").endsWith("'--zero-time'");
        assertThat(command).as("a class-data archive per slot: no two JVMs write one")
                .contains("-XX:SharedArchiveFile=/srv/data/cds/worker-slot{slot}.jsa", "-XX:+AutoCreateSharedArchive");
        assertThat(launch).contains("'-XX:SharedArchiveFile=/srv/data/cds/emulator-slot{slot}.jsa'");
        assertThat(command).doesNotContain("--warmup-workflow");
    }

    @Test
    void aClassPathWithAFolderGetsNoClassDataArchive(@TempDir Path classes) throws Exception {
        Path jar = Files.createFile(classes.resolve("app.jar"));
        assertThat(WorkerCommandLine.archivable(jar + File.pathSeparator + classes.resolve("missing.jar")))
                .as("jars only").isTrue();
        assertThat(WorkerCommandLine.archivable(jar + File.pathSeparator + classes))
                .as("a folder: the JVM's archive dump at exit would fail and end it with code 1").isFalse();

        List<String> command = WorkerCommandLine.build(
                fleet(new FleetSettings.ComfyLaunch.Emulator(List.of("--zero-time"))), Path.of("/srv/data"), false);
        assertThat(String.join(" ", command)).contains("io.comfyfleet.cli.Main", "-XX:+UseSerialGC")
                .doesNotContain("SharedArchiveFile", "AutoCreateSharedArchive");
    }

    @Test
    void theWorkerVersionChangesWithTheLaunchNotWithTheProcessOfUp() {
        FleetSettings emulator = fleet(new FleetSettings.ComfyLaunch.Emulator(List.of("--zero-time")));
        List<String> command = WorkerCommandLine.build(emulator, Path.of("/srv/data"));
        assertThat(String.join(" ", command)).as("the pid of up differs on every start; the provider fills it in")
                .doesNotContain(Long.toString(ProcessHandle.current().pid()));

        String version = version(command);
        assertThat(version(WorkerCommandLine.build(emulator, Path.of("/srv/data")))).isEqualTo(version);
        assertThat(version(WorkerCommandLine.build(fleet(new FleetSettings.ComfyLaunch.Emulator(List.of())),
                Path.of("/srv/data")))).as("a changed launch is a new version").isNotEqualTo(version);
    }

    private static String version(List<String> command) {
        return LocalProcessConfig.builder(command, URI.create("http://127.0.0.1:8080")).build().version();
    }

    @Test
    void aWarmUpWorkflowIsPassedToEveryWorker() {
        FleetSettings base = fleet(new FleetSettings.ComfyLaunch.Emulator(List.of()));
        FleetSettings withWarmup = new FleetSettings(base.provider(), base.gpus(), 1, 2, 8188, base.jobGrace(),
                base.comfyui(), null, null, "/srv/warmup/{endpoint}.json");
        List<String> command = WorkerCommandLine.build(withWarmup, Path.of("/srv/data"));
        assertThat(command.get(command.indexOf("--warmup-workflow") + 1)).isEqualTo("/srv/warmup/{endpoint}.json");
    }

    @Test
    void workersDeliverToTheGatewaysOutputStoreOnlyWhenTheFileSaysSo() {
        FleetSettings base = fleet(new FleetSettings.ComfyLaunch.Emulator(List.of()));
        assertThat(WorkerCommandLine.build(base, Path.of("/srv/data"))).as("inline: the worker's default")
                .doesNotContain("--outputs");
        FleetSettings toGateway = new FleetSettings(base.provider(), base.gpus(), 1, 2, 8188, base.jobGrace(),
                base.comfyui(), null, null, null, "gateway");
        List<String> command = WorkerCommandLine.build(toGateway, Path.of("/srv/data"));
        assertThat(command.get(command.indexOf("--outputs") + 1)).isEqualTo("gateway");
    }

    @Test
    void aCheckoutWorkerLaunchesPythonInIt() {
        List<String> command = WorkerCommandLine.build(fleet(new FleetSettings.ComfyLaunch.Checkout(
                Path.of("/opt/ComfyUI"), "python3.12", List.of("--highvram"))), Path.of("/srv/data"));

        assertThat(String.join(" ", command)).contains("--comfyui-dir /opt/ComfyUI --python python3.12 --comfyui-arg --highvram")
                .doesNotContain("--comfyui-command");
    }
}
