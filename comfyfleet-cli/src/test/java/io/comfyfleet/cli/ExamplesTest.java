package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comfyfleet.cli.up.UpProcess;
import io.comfyfleet.common.json.Json;
import io.comfyfleet.gateway.support.NodeProject;
import java.awt.image.BufferedImage;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples as a user runs them, against {@code comfyfleet up --emulator} in its own process (one {@code up}
 * for both): {@code examples/js/example.mjs} (RunPod's {@code runpod-sdk@1.1.2} from npm) must poll and stream
 * jobs to COMPLETED with PNGs; {@code examples/java} ({@code RunWorkflow}, run as its own JVM with only the SDK and
 * Jackson on its classpath) must upload an input image, print progress and save the inverted image.
 */
class ExamplesTest {
    private static final Path REPO = Path.of(System.getProperty("comfyfleet.repo.dir", ".."));
    private static final Path JS_WORK = Path.of("target/js-example");
    private static final String CLIENT_KEY = "examples-client-key-0123456789";
    private static final String WORKER_KEY = "examples-worker-key-0123456789";
    /**
     * The example's own workflow with the emulator's SlowProgress node added (5 steps of 150 ms), so that the
     * zero-time emulator still gives the job progress worth printing.
     */
    private static final String JAVA_WORKFLOW = """
            {"1": {"class_type": "LoadImage", "inputs": {"image": "input.png"}},
             "4": {"class_type": "SlowProgress", "inputs": {"image": ["1", 0], "steps": 5, "delay_ms": 150, "fail_at": -1}},
             "2": {"class_type": "ImageInvert", "inputs": {"image": ["4", 0]}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "inverted"}}}""";

    @TempDir
    static Path dir;
    static UpProcess up;

    @BeforeAll
    static void startUp() throws Exception {
        int basePort = UpProcess.freePortRun(1);
        // one warm worker (minWorkers 1): the examples meet a fleet that is up, as the READMEs describe
        up = UpProcess.start(dir, """
                server:
                  port: 0
                endpoints:
                  - name: sdxl
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 1
                    maxWorkers: 1
                    idleTimeout: 60s
                workers:
                  cpuSlots: 1
                  basePort: %d
                """.formatted(CLIENT_KEY, WORKER_KEY, basePort), "sdxl", "--emulator", "--emulator-arg=--zero-time");
        Awaitility.await("the warm worker idle").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> idleWorkers() > 0);
    }

    @AfterAll
    static void stopUp() {
        if (up != null) {
            up.close();
        }
    }

    @Test
    void theJavaScriptExampleRunsPollsAndStreamsWithRunpodsSdk() throws Exception {
        assumeTrue(NodeProject.nodeAvailable(), "node is not installed; this test needs Node 20+");
        NodeProject.prepare(REPO.resolve("examples/js"), JS_WORK, List.of("package.json", "example.mjs"), "runpod-sdk");

        NodeProject.Run run = NodeProject.run(JS_WORK, Map.of("COMFYFLEET_CLIENT_KEY", CLIENT_KEY), 180,
                "example.mjs", up.root() + "/v2", "sdxl");
        String output = run.output();

        assertThat(run.ended()).as("the example finished within 180 s; output:%n%s", output).isTrue();
        assertThat(run.exitCode()).as(output).isZero();
        assertThat(output).as(output).containsPattern("status \\S+: COMPLETED")
                .contains("run: COMPLETED", "stream: COMPLETED")
                .containsPattern("image: \\S+\\.png, \\d+ bytes, PNG");
        // one image line per job: the polled one and the streamed one
        assertThat(output.lines().filter(l -> l.matches("image: .*, PNG"))).hasSize(2);
    }

    @Test
    void theJavaExampleUploadsAnImagePrintsProgressAndSavesTheInvertedOutput() throws Exception {
        Path out = dir.resolve("java-out");
        Path log = dir.resolve("java-example.log");
        Path workflow = Files.writeString(dir.resolve("workflow_api.json"), JAVA_WORKFLOW);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", exampleClasspath(), "io.comfyfleet.examples.RunWorkflow", up.root() + "/v2", "sdxl",
                workflow.toString(), "", out.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("COMFYFLEET_CLIENT_KEY", CLIENT_KEY);
        Process example = builder.start();
        boolean ended = example.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            example.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);

        assertThat(ended).as("the example finished within 180 s; output:%n%s", output).isTrue();
        assertThat(example.exitValue()).as(output).isZero();
        assertThat(output).as(output).containsPattern("submitted job \\S+")
                // progress lines: percent, the node being run, its step and the preview frame's size
                .containsPattern("(?m)^ *\\d+\\.\\d%  node 4 \\(SlowProgress\\)  step [1-5]/5  preview \\d+ bytes$");
        List<Path> saved = output.lines().filter(l -> l.startsWith("saved ")).map(l -> Path.of(l.substring(6))).toList();
        assertThat(saved).as(output).singleElement().satisfies(file -> {
            assertThat(file).exists().startsWith(out);
            assertThat(file.getFileName().toString()).startsWith("inverted").endsWith(".png");
        });
        // the example draws a blue circle on orange; ImageInvert makes it a yellow circle on (0, 54, 255): ComfyUI
        // inverts in float32 and truncates, so 200 becomes 54 (the emulator does the same)
        BufferedImage image = ImageIO.read(saved.get(0).toFile());
        assertThat(image).as("a decodable PNG").isNotNull();
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(rgb(image.getRGB(32, 32))).isEqualTo("255,255,0");
        assertThat(rgb(image.getRGB(1, 1))).isEqualTo("0,54,255");
    }

    /** Only the example's classes, the SDK and Jackson: proof the example needs nothing else. */
    private static String exampleClasspath() {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.contains("comfyfleet-sdk") || e.contains("comfyfleet-example-java")
                        || e.replace(File.separatorChar, '/').contains("examples/java") || e.contains("jackson"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(cp).contains("example").contains("comfyfleet-sdk").contains("jackson-databind");
        return cp;
    }

    private static String rgb(int argb) {
        return ((argb >> 16) & 0xFF) + "," + ((argb >> 8) & 0xFF) + "," + (argb & 0xFF);
    }

    private static int idleWorkers() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(up.root() + "/v2/sdxl/health"))
                    .header("Authorization", "Bearer " + CLIENT_KEY).build(), HttpResponse.BodyHandlers.ofString());
            return health.statusCode() != 200 ? 0
                    : Json.MAPPER.readTree(health.body()).path("workers").path("idle").asInt();
        }
    }
}
