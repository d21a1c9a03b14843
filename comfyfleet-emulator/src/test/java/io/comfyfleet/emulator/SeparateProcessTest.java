package io.comfyfleet.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.emulator.cli.EmulatorMain;
import io.comfyfleet.emulator.testing.ComfyTestClient;
import io.comfyfleet.emulator.testing.Workflows;
import io.comfyfleet.testkit.FreePorts;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The emulator as its own OS process, launched with the flags a worker passes to ComfyUI: it serves,
 * honours a fault flag given at start, takes a fault over the control route, and exits on it.
 */
class SeparateProcessTest {
    @TempDir
    Path dir;

    @Test
    void servesAsItsOwnProcessAndExitsWhenTheExitKnobFires() throws Exception {
        int port = FreePorts.one();
        Path log = dir.resolve("emulator.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                EmulatorMain.class.getName(), "--listen", "127.0.0.1", "--port", String.valueOf(port), "--disable-auto-launch",
                "--preview-method", "latent2rgb", "--output-directory", dir.resolve("out").toString(),
                "--input-directory", dir.resolve("in").toString(), "--temp-directory", dir.toString(),
                "--zero-time", "--fail-node", "ImageInvert", "--highvram"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            ComfyTestClient client = new ComfyTestClient(URI.create("http://127.0.0.1:" + port));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> client.get("/system_stats").status() == 200);

            String failing = client.post("/prompt", Workflows.request(Workflows.basic(1), null)).json().get("prompt_id").asString();
            JsonNode entry = await().atMost(Duration.ofSeconds(30)).until(
                    () -> client.get("/history/" + failing).json().get(failing), e -> e != null);
            assertThat(entry.get("status").get("messages").get(2).get(1).get("exception_type").asString()).isEqualTo("RuntimeError");

            assertThat(client.post("/emulator/faults", "{\"exit\": {\"node\": \"SaveImage\", \"code\": 3}}").status()).isEqualTo(200);
            client.post("/prompt", Workflows.request(Workflows.basic(2), null));
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the process exits on the knob").isTrue();
            assertThat(process.exitValue()).isEqualTo(3);
            String output = Files.readString(log);
            assertThat(output).contains("To see the GUI go to: http://127.0.0.1:" + port)
                    .contains("ignoring ComfyUI flag the emulator does not use: --highvram");
        } finally {
            process.destroyForcibly();
        }
    }
}
