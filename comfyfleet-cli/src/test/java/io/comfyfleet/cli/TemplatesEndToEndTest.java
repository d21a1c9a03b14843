package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.cli.up.UpProcess;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A workflow template declared in comfyfleet.yaml, end to end under {@code comfyfleet up}, with the emulator and
 * with the real ComfyUI 0.3.64 on CPU: a RunPod-shaped {@code /runsync} with {@code template} and {@code params}
 * runs the EmptyImage → ImageInvert → SaveImage workflow with the params set; once the worker reported its
 * catalogue the listing carries ComfyUI's bounds and an out-of-range parameter is a 400 naming it; and
 * {@code comfyfleet submit --template --param} runs it from the command line.
 */
class TemplatesEndToEndTest {
    private static final String CLIENT_KEY = "tpl-client-key-0123456789";
    private static final String WORKER_KEY = "tpl-worker-key-0123456789";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String INVERT = """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 512, "height": 512, "batch_size": 1, "color": 0}},
             "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "tpl"}}}""";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private UpProcess up;

    @AfterEach
    void stop() {
        if (up != null) {
            up.close();
        }
        http.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"emulator", "real"})
    void aTemplateFromTheYamlRunsWithItsParamsAndIsRefusedOutOfRange(String comfy) throws Exception {
        String comfyui = UpProcess.comfyui(comfy);
        Files.writeString(dir.resolve("invert.json"), INVERT);
        up = UpProcess.start(dir, """
                server:
                  port: 0
                endpoints:
                  - name: tpl
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 0
                    maxWorkers: 1
                    idleTimeout: 60s
                    templates:
                      invert:
                        description: A plain colour, inverted
                        workflow: invert.json
                        params:
                          color: {node: "1", input: color, required: true}
                          width: {node: "1", input: width}
                          height: {node: "1", input: height}
                workers:
                  cpuSlots: 1
                  basePort: %d
                  comfyui: %s
                """.formatted(CLIENT_KEY, WORKER_KEY, UpProcess.freePortRun(1), comfyui), "tpl");
        String base = up.root() + "/v2/tpl";

        // red in, so the inverted pixel is cyan
        HttpResponse<String> done = post(base + "/runsync?wait=120000",
                "{\"input\":{\"template\":\"invert\",\"params\":{\"color\":16711680,\"width\":32,\"height\":24}}}");
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        JsonNode result = JSON.readTree(done.body());
        assertThat(result.path("status").asString()).as(done.body()).isEqualTo("COMPLETED");
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(result.path("output").path("images").path(0).path("data").asString())));
        assertThat(png.getWidth()).isEqualTo(32);
        assertThat(png.getHeight()).isEqualTo(24);
        if (comfy.equals("real")) {
            assertThat(png.getRGB(5, 5) & 0xFFFFFF).as("ImageInvert of red").isEqualTo(0x00FFFF);
        }

        await("the worker's catalogue reached the gateway").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> up.output().stream().anyMatch(l -> l.contains("stored node catalogue")));
        JsonNode width = get(base + "/templates").path("templates").path(0).path("schema").path("properties")
                .path("width");
        assertThat(width.path("maximum").asInt()).as(width.toString()).isEqualTo(16384);
        HttpResponse<String> refused = post(base + "/run",
                "{\"input\":{\"template\":\"invert\",\"params\":{\"color\":1,\"width\":0}}}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).path("error").asString()).isEqualTo(
                "template \"invert\": parameter \"width\" got 0; it takes a whole number from 1 to 16384");

        Path out = dir.resolve("cli-out");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(stdout, true));
        cli.setErr(new PrintWriter(stderr, true));
        int exit = cli.execute("submit", "--template", "invert", "--param", "color=255", "--param", "width=16",
                "--param", "height=8", "--wait", "--timeout", "2m", "--out", out.toString(),
                "--url", up.root() + "/v2", "--endpoint", "tpl", "--key", CLIENT_KEY);
        assertThat(exit).as("stderr: %s", stderr).isZero();
        BufferedImage saved = ImageIO.read(Path.of(stdout.toString().strip()).toFile());
        assertThat(saved.getWidth()).isEqualTo(16);
        assertThat(saved.getHeight()).isEqualTo(8);
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(150))
                .header("Authorization", "Bearer " + CLIENT_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", CLIENT_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
