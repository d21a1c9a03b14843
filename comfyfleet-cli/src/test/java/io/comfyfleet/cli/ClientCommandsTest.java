package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.testkit.FreePorts;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code comfyfleet submit} and {@code comfyfleet status} as a person runs them: the picocli commands in-process
 * with captured stdout and stderr, against the real gateway, worker and ComfyUI emulator of {@link Fleet}.
 */
class ClientCommandsTest {
    private static final String PLAIN = """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 48, "batch_size": 1, "color": 7}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "plain"}}}""";

    @TempDir
    static Path shared;
    private static Fleet fleet;

    @TempDir
    Path dir;

    @BeforeAll
    static void startFleet() throws Exception {
        fleet = Fleet.start(shared, Fleet.Options.defaults().emulatorFlags("--zero-time"));
    }

    @AfterAll
    static void stopFleet() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    /** One run of the comfyfleet command: exit code and what it printed. */
    private record Run(int exit, String out, String err) {
        List<String> outLines() {
            return out.isBlank() ? List.of() : Arrays.asList(out.strip().split("\\R"));
        }
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String[] withGateway(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 6);
        System.arraycopy(new String[] {"--url", fleet.base() + "/v2", "--endpoint", "ep1", "--key", Fleet.CLIENT_KEY},
                0, all, args.length, 6);
        return all;
    }

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void submitWaitUploadsTheImageAndSavesADecodablePng() throws Exception {
        Path input = dir.resolve("in.png");
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "png", input.toFile());
        Path workflow = file("load.json", """
                {"1": {"class_type": "LoadImage", "inputs": {"image": "in.png"}},
                 "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "cli"}}}""");
        Path out = dir.resolve("out");

        Run run = cli(withGateway("submit", workflow.toString(), "--image", input.toString(), "--wait",
                "--out", out.toString()));

        assertThat(run.exit()).as("stderr: %s", run.err()).isZero();
        assertThat(run.err()).as("the workflow's LoadImage file is given").doesNotContain("warning");
        assertThat(run.outLines()).hasSize(1);
        Path saved = Path.of(run.outLines().get(0));
        assertThat(saved).startsWith(out).hasExtension("png");
        BufferedImage png = ImageIO.read(saved.toFile());
        assertThat(png).as("a PNG ImageIO can decode").isNotNull();
        assertThat(png.getWidth()).isEqualTo(40);
        assertThat(png.getHeight()).isEqualTo(30);
    }

    @Test
    void aLoadImageFileThatNoImageGivesIsNamedWithTheFlagToAdd() throws Exception {
        Path input = dir.resolve("other.png");
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "png", input.toFile());
        Path workflow = file("load.json", """
                {"1": {"class_type": "LoadImage", "inputs": {"image": "in.png"}},
                 "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "cli"}}}""");

        Run run = cli(withGateway("submit", workflow.toString(), "--image", input.toString(), "--wait",
                "--out", dir.resolve("out").toString()));

        // ComfyUI's own words, "Invalid image file: in.png", do not say that a flag is missing
        assertThat(run.exit()).as("stderr: %s", run.err()).isNotZero();
        assertThat(run.err()).contains("comfyfleet submit: warning: node 1 (LoadImage) reads in.png, which no --image"
                + " gives (given: other.png); add --image PATH/in.png (each image is uploaded under its own file name)");
    }

    @Test
    void aWorkflowThatOnlyPreviewsSaysWhyNoFileCameBackAndWhatToUse() throws Exception {
        Path workflow = file("preview.json", """
                {"1": {"class_type": "EmptyImage", "inputs": {"width": 32, "height": 32, "batch_size": 1, "color": 9}},
                 "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}""");

        Run run = cli(withGateway("submit", workflow.toString(), "--wait", "--out", dir.resolve("out").toString()));

        assertThat(run.exit()).as("stderr: %s", run.err()).isZero();
        assertThat(run.outLines()).isEmpty();
        assertThat(run.err()).containsPattern("job \\S+ completed without output files: node 2 \\(PreviewImage\\) shows"
                + " temporary previews, which are not returned; use SaveImage for the images you want back");
    }

    @Test
    void submitWaitShowsOneProgressLinePerChangeWhenStderrIsNoTerminal() throws Exception {
        // SlowProgress keeps its delay in zero-time mode: 5 steps of 150 ms, reported every 100 ms by the worker
        Path workflow = file("slow.json", """
                {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 48, "batch_size": 1, "color": 3}},
                 "2": {"class_type": "SlowProgress", "inputs": {"image": ["1", 0], "steps": 5, "delay_ms": 150, "fail_at": -1}},
                 "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "slow"}}}""");

        Run run = cli(withGateway("submit", workflow.toString(), "--wait", "--out", dir.resolve("out").toString()));

        assertThat(run.exit()).as("stderr: %s", run.err()).isZero();
        List<String> progress = run.err().lines().filter(l -> l.contains("SlowProgress step")).toList();
        assertThat(progress).as("stderr: %s", run.err()).isNotEmpty()
                .allMatch(l -> l.matches("\\[[#-]{20}] +\\d+% node 2 SlowProgress step [1-5]/5"));
        assertThat(progress).doesNotHaveDuplicates();
        assertThat(run.err().lines().toList()).as("the bar ends full, with the times")
                .anyMatch(l -> l.matches("\\[#{20}] 100% COMPLETED  delay \\d+(\\.\\d s| ms), execution \\d+(\\.\\d s| ms)"));
        assertThat(run.err()).doesNotContain("\r");
        assertThat(run.outLines()).hasSize(1);
    }

    @Test
    void submitWithoutWaitPrintsTheJobIdAndStatusShowsTheFinishedJob() throws Exception {
        Run submit = cli(withGateway("submit", file("plain.json", PLAIN).toString()));
        assertThat(submit.exit()).as("stderr: %s", submit.err()).isZero();
        String id = submit.out().strip();
        assertThat(id).isNotBlank().doesNotContain("\n");
        assertThat(fleet.awaitTerminal(id).path("status").asString()).isEqualTo("COMPLETED");

        Run status = cli(withGateway("status", id));

        assertThat(status.exit()).as("stderr: %s", status.err()).isZero();
        assertThat(status.outLines()).contains("id:             " + id, "status:         COMPLETED",
                "worker:         w1", "files:          1");
        assertThat(status.out()).contains("delay time:", "execution time:", "image/png", "chars>");
        // the PNG travels inline as base64: the readable form must not dump it
        assertThat(status.outLines()).allMatch(l -> l.length() < 1000);

        Run json = cli(withGateway("status", id, "--json"));
        assertThat(json.exit()).isZero();
        JsonNode parsed = JsonMapper.builder().build().readTree(json.out());
        assertThat(parsed.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(parsed.path("output").path("images").get(0).path("data").asString()).hasSizeGreaterThan(100);
    }

    @Test
    void aJobThatFailsExitsOneWithTheWorkersMessage() throws Exception {
        Path workflow = file("fails.json", """
                {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 48, "batch_size": 1, "color": 3}},
                 "2": {"class_type": "SlowProgress", "inputs": {"image": ["1", 0], "steps": 3, "delay_ms": 1, "fail_at": 1}},
                 "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "x"}}}""");

        Run run = cli(withGateway("submit", workflow.toString(), "--wait", "--out", dir.resolve("out").toString()));

        assertThat(run.exit()).as("stderr: %s", run.err()).isEqualTo(1);
        assertThat(run.err()).contains("failed: ").contains("failure requested at step 1");
        assertThat(run.out()).isEmpty();
    }

    /**
     * An unknown node fails the job on the worker (exit 1) until the worker's node catalogue reaches the gateway, then
     * is refused before it is queued (exit 2, docs/gateway.md "Admission"); either way with ComfyUI's message. When the
     * catalogue arrives depends on the worker's start, so the test sees the first and keeps trying until the second.
     */
    @Test
    void aWorkflowWithAnUnknownNodeIsFailedOrRefusedWithTheServersMessage() throws Exception {
        Path workflow = file("unknown.json", """
                {"1": {"class_type": "NoSuchNodeAnywhere", "inputs": {}},
                 "3": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}}""");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Run run;
        do {
            run = cli(withGateway("submit", workflow.toString(), "--wait", "--out", dir.resolve("out").toString()));
            assertThat(run.err()).as("exit %d", run.exit()).contains("NoSuchNodeAnywhere");
            assertThat(run.out()).isEmpty();
            if (run.exit() == 1) {
                assertThat(run.err()).as("a job the worker failed").contains("failed: ");
                Thread.sleep(200);
            }
        } while (run.exit() == 1 && System.nanoTime() < deadline);

        assertThat(run.exit()).as("refused before queueing once the catalogue is in; stderr: %s", run.err())
                .isEqualTo(2);
    }

    @Test
    void aUiFormatWorkflowIsRefusedWithExitTwoAndHowToExportIt() throws Exception {
        Path ui = file("ui.json", "{\"nodes\": [{\"id\": 1, \"type\": \"SaveImage\"}], \"links\": [], \"version\": 0.4}");

        Run run = cli(withGateway("submit", ui.toString()));

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("UI-format").contains("(API)");
    }

    @Test
    void unreadableOrMissingInputExitsTwo() throws Exception {
        Run notJson = cli(withGateway("submit", file("broken.json", "{\"1\": ").toString()));
        assertThat(notJson.exit()).isEqualTo(2);
        assertThat(notJson.err()).contains("not valid JSON");

        Run missing = cli(withGateway("submit", dir.resolve("nope.json").toString()));
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.json").contains("does not exist");

        Run missingImage = cli(withGateway("submit", file("p.json", PLAIN).toString(), "--image",
                dir.resolve("gone.png").toString()));
        assertThat(missingImage.exit()).isEqualTo(2);
        assertThat(missingImage.err()).contains("gone.png");

        Run noTime = cli(withGateway("submit", file("q.json", PLAIN).toString(), "--wait", "--timeout", "0s"));
        assertThat(noTime.exit()).isEqualTo(2);
        assertThat(noTime.err()).as("in the words it was written in, not ISO-8601")
                .contains("--timeout must be positive, like 30s, 10m or 1h; got 0 ms").doesNotContain("PT0S");
    }

    /**
     * The worker writes each {@code --image} into ComfyUI's input folder under its file name: two files of one name
     * (from two folders) would overwrite each other, and the worker refuses such a job, and a name like
     * {@code .hidden.png}, only after a worker booted for it. Refused here, naming the files, before anything is sent.
     */
    @Test
    void imagesOfOneNameOrANameTheWorkerRefusesExitTwoBeforeSending() throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        Path first = Files.write(dir.resolve("a").resolve("cat.png"), new byte[] {1});
        Path second = Files.write(dir.resolve("b").resolve("cat.png"), new byte[] {2});
        long queuedBefore = queued();

        Run twice = cli(withGateway("submit", file("p.json", PLAIN).toString(), "--image", first.toString(),
                "--image", second.toString()));
        assertThat(twice.exit()).as("stderr: %s", twice.err()).isEqualTo(2);
        assertThat(twice.err()).contains("--image " + first + " and " + second + " are both uploaded as \"cat.png\"");

        Path hidden = Files.write(dir.resolve(".cat.png"), new byte[] {1});
        Run dotted = cli(withGateway("submit", file("p.json", PLAIN).toString(), "--image", hidden.toString()));
        assertThat(dotted.exit()).as("stderr: %s", dotted.err()).isEqualTo(2);
        assertThat(dotted.err()).contains("--image " + hidden + ": the name \".cat.png\" starts with a dot");
        assertThat(queued()).isEqualTo(queuedBefore);
    }

    /** Jobs ever queued at the fleet's endpoint: what /health counts as queued, running or ended. */
    private static long queued() throws Exception {
        var health = io.comfyfleet.common.json.Json.MAPPER.readTree(java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(fleet.base() + "/v2/ep1/health"))
                        .header("Authorization", Fleet.CLIENT_KEY).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body()).path("jobs");
        return health.path("inQueue").asLong() + health.path("inProgress").asLong() + health.path("completed").asLong()
                + health.path("failed").asLong();
    }

    @Test
    void noKeyExitsTwoAndSaysWhereAKeyComesFrom() throws Exception {
        assumeTrue(System.getenv("COMFYFLEET_CLIENT_KEY") == null, "the key's environment variable is set here");

        Run run = cli("submit", file("plain.json", PLAIN).toString(), "--url", fleet.base() + "/v2", "--endpoint", "ep1");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--key").contains("COMFYFLEET_CLIENT_KEY");
    }

    @Test
    void aWrongKeyExitsTwo() throws Exception {
        Run run = cli("submit", file("plain.json", PLAIN).toString(), "--url", fleet.base() + "/v2",
                "--endpoint", "ep1", "--key", "not-the-key");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("401");
    }

    @Test
    void anUnreachableGatewayExitsThree() throws Exception {
        // below the ephemeral range no port-0 bind takes it meanwhile, nor can the connection be to itself
        int closedPort = FreePorts.one();
        String url = "http://127.0.0.1:" + closedPort + "/v2";

        Run submit = cli("submit", file("plain.json", PLAIN).toString(), "--url", url, "--endpoint", "ep1",
                "--key", Fleet.CLIENT_KEY, "--wait");
        Run status = cli("status", "some-id", "--url", url, "--endpoint", "ep1", "--key", Fleet.CLIENT_KEY);

        assertThat(submit.exit()).as("stderr: %s", submit.err()).isEqualTo(3);
        assertThat(status.exit()).as("stderr: %s", status.err()).isEqualTo(3);
        assertThat(status.err()).contains("no answer from the gateway at " + url).contains("./comfyfleet up")
                .doesNotContain("java.net.");
    }

    @ParameterizedTest
    @ValueSource(ints = {503, 429})
    void aStoppingOrRateLimitingGatewayExitsThreeNotAsAFailedJob(int status) throws Exception {
        // the answer a gateway gives to /run while it stops (Intake, ErrorMapping), or over a key's rate limit:
        // no job is created either way
        HttpServer stopping = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stopping.createContext("/", exchange -> {
            byte[] body = "{\"error\":\"the gateway is stopping and accepts no new jobs; try again shortly\"}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        stopping.start();
        try {
            String url = "http://127.0.0.1:" + stopping.getAddress().getPort() + "/v2";

            Run submit = cli("submit", file("plain.json", PLAIN).toString(), "--url", url, "--endpoint", "ep1",
                    "--key", Fleet.CLIENT_KEY, "--wait");

            assertThat(submit.exit()).as("stderr: %s", submit.err()).isEqualTo(3);
            assertThat(submit.err()).contains(String.valueOf(status), "try again shortly", "no job was created");
            assertThat(submit.out()).isEmpty();
        } finally {
            stopping.stop(0);
        }
    }

    @Test
    void aWaitThatRunsOutSaysSoInWordsAndNamesTheCommandsForTheJob() throws Exception {
        Path workflow = file("long.json", """
                {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 48, "batch_size": 1, "color": 3}},
                 "2": {"class_type": "SlowProgress", "inputs": {"image": ["1", 0], "steps": 200, "delay_ms": 100, "fail_at": -1}},
                 "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "long"}}}""");

        Run run = cli(withGateway("submit", workflow.toString(), "--wait", "--timeout", "1s", "--out",
                dir.resolve("out").toString()));

        String id = run.err().lines().filter(l -> l.endsWith(" queued")).findFirst().orElseThrow().split(" ")[1];
        cli(withGateway("cancel", id));
        assertThat(run.exit()).as("stderr: %s", run.err()).isEqualTo(1);
        assertThat(run.err()).contains("job " + id + " did not finish within 1.0 s (--timeout); it is ")
                .contains("and goes on. Follow it: comfyfleet status " + id, "Cancel it: comfyfleet cancel " + id)
                .doesNotContain("PT1S").doesNotContain("await");
    }

    @Test
    void cancelStopsARunningJobAndStatusThenExitsOne() throws Exception {
        Path workflow = file("long.json", """
                {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 48, "batch_size": 1, "color": 3}},
                 "2": {"class_type": "SlowProgress", "inputs": {"image": ["1", 0], "steps": 200, "delay_ms": 100, "fail_at": -1}},
                 "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "long"}}}""");
        String id = cli(withGateway("submit", workflow.toString())).out().strip();

        Run cancel = cli(withGateway("cancel", id));
        Run again = cli(withGateway("cancel", id));
        Run status = cli(withGateway("status", id));

        assertThat(cancel.exit()).as("stderr: %s", cancel.err()).isZero();
        assertThat(cancel.out()).contains("job " + id + " cancelled");
        assertThat(again.exit()).as("a second cancel: %s", again.err()).isEqualTo(1);
        assertThat(status.exit()).as("status of a cancelled job exits as submit --wait would").isEqualTo(1);
        assertThat(status.outLines()).contains("status:         CANCELLED");
    }

    @Test
    void statusShowsARunningOrCancelledJobsProgressInWordsNotAsItsOutput() throws Exception {
        Path workflow = file("long.json", """
                {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 48, "batch_size": 1, "color": 5}},
                 "2": {"class_type": "SlowProgress", "inputs": {"image": ["1", 0], "steps": 200, "delay_ms": 100, "fail_at": -1}},
                 "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "long"}}}""");
        String id = cli(withGateway("submit", workflow.toString())).out().strip();
        Run running = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> cli(withGateway("status", id)),
                        r -> r.out().contains("SlowProgress step"));

        assertThat(running.outLines()).as(running.out()).anyMatch(l -> l.startsWith("progress:       ["))
                .noneMatch(l -> l.startsWith("output:"));

        assertThat(cli(withGateway("cancel", id)).exit()).isZero();
        Run cancelled = cli(withGateway("status", id));
        assertThat(cancelled.outLines()).as(cancelled.out()).contains("status:         CANCELLED")
                .anyMatch(l -> l.matches("stopped at: +\\[[#-]{20}] +\\d+% node 2 SlowProgress step \\d+/200"))
                .noneMatch(l -> l.startsWith("output:"));
        Run json = cli(withGateway("status", id, "--json"));
        assertThat(json.out()).as("--json keeps the output as the gateway sent it").contains("\"percent\"");
    }

    @Test
    void statusOfAnUnknownJobExitsOne() {
        Run run = cli(withGateway("status", "no-such-job-0000"));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no job no-such-job-0000");
        assertThat(run.out()).isEmpty();
    }
}
