package io.comfyfleet.fleet.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.fleet.FleetConfigException;
import io.comfyfleet.fleet.provider.Slot;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalProcessConfigTest {
    private static final URI GATEWAY = URI.create("http://127.0.0.1:8080");
    private static final List<String> CMD = List.of("bash", "w.sh");

    @Test
    void everyBadKeyIsNamed() {
        assertKey(LocalProcessConfig.builder(List.of(), GATEWAY), "command");
        assertKey(LocalProcessConfig.builder(null, GATEWAY), "command");
        assertKey(LocalProcessConfig.builder(CMD, URI.create("ftp://x")), "gatewayUrl");
        assertKey(LocalProcessConfig.builder(CMD, null), "gatewayUrl");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).pingInterval(Duration.ofMillis(500)), "pingInterval");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).gpus(List.of(0, -1)), "gpus");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).gpus(List.of(1, 1)), "gpus");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).slotsPerGpu(0), "slotsPerGpu");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).cpuSlots(0), "cpuSlots");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).stopGrace(Duration.ofSeconds(-1)), "stopGrace");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).basePort(0), "basePort");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).cpuSlots(2).basePort(65535), "basePort");
        assertKey(LocalProcessConfig.builder(CMD, GATEWAY).workDir(Path.of("/no/such/dir")), "workDir");
    }

    private static void assertKey(LocalProcessConfig.Builder b, String key) {
        assertThatThrownBy(b::build).isInstanceOf(FleetConfigException.class)
                .hasMessageContaining("'" + key + "'").extracting("key").isEqualTo(key);
    }

    @Test
    void theSameJvmCommandRunsTheGivenMainClass() {
        List<String> cmd = WorkerCommands.thisJvm("io.comfyfleet.cli.Main", "worker", "--slot={slot}");
        assertThat(cmd.getFirst()).endsWith("/bin/java");
        assertThat(cmd).containsSubsequence("-cp", System.getProperty("java.class.path"), "io.comfyfleet.cli.Main",
                "worker", "--slot={slot}");
    }

    @Test
    void runpodTemplatesKeepTheirQueryAndTheGatewayPath() {
        LocalProcessConfig c = LocalProcessConfig.builder(CMD, URI.create("http://10.0.0.5:9000/")).build();
        var env = LocalWorkerEnv.of(c, new WorkerSpec("ep-7", "w9"), new Slot(0, null), "local-0123456789ab");
        assertThat(env.get("RUNPOD_WEBHOOK_GET_JOB")).isEqualTo("http://10.0.0.5:9000/v2/ep-7/job-take/$ID?gpu=local&version=local-0123456789ab");
        assertThat(env).containsEntry("COMFYFLEET_WORKER_VERSION", "local-0123456789ab");
        assertThat(env).doesNotContainKey("RUNPOD_AI_API_KEY").containsEntry("RUNPOD_PING_INTERVAL", "10000");
    }

    @Test
    void workerSpecIdsMustBeUrlSafe() {
        assertThatThrownBy(() -> new WorkerSpec("ep 1", "w1")).hasMessageContaining("endpoint");
        assertThatThrownBy(() -> new WorkerSpec("ep1", "w/1")).hasMessageContaining("workerId");
        assertThatThrownBy(() -> new WorkerSpec("ep1", null)).hasMessageContaining("workerId");
    }
}
