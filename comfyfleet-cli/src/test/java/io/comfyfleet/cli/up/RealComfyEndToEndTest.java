package io.comfyfleet.cli.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comfyfleet.gateway.support.NodeProject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code comfyfleet up} with real ComfyUI 0.3.64 workers on CPU ({@code ../shared/comfyui/real} beside the clone,
 * the ComfyUI that recorded the emulator's captures): what the emulator only imitates, checked against the real
 * thing. One {@code up} (one worker, one ComfyUI) serves every test, in order, the destructive ones last: an input
 * image comes back inverted pixel for pixel; SlowProgress's progress and preview frames reach the client; the
 * outputs CPU nodes make; the same workflow twice with a linked file prefix, and a prefix with folders, deliver their
 * images and leave nothing in ComfyUI's output folder; a cancel and an execution timeout interrupt ComfyUI mid-run and the worker takes the
 * next job; kill -9 of ComfyUI mid-job fails that job ({@code comfyui_crashed}, docs/worker.md) and the restarted
 * ComfyUI runs the next; kill -9 of the worker mid-job puts the job back in the queue when its lease runs out and a
 * new worker completes it; RunPod's JavaScript SDK runs {@code examples/js} against it. Skipped, saying so, when
 * {@code ../shared/comfyui/real} is absent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealComfyEndToEndTest {
    private static final Path REPO = Path.of(System.getProperty("comfyfleet.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Path REAL = REPO.resolve("../shared/comfyui/real").normalize();
    private static final Path JS_WORK = Path.of("target/js-example");
    private static final String CLIENT_KEY = "real-client-key-0123456789";
    private static final String WORKER_KEY = "real-worker-key-0123456789";
    private static final String ADMIN_KEY = "real-admin-key-0123456789";
    private static final String EP = "real";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Set<String> TERMINAL = Set.of("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT");

    @TempDir
    static Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Set<ProcessHandle> started = ConcurrentHashMap.newKeySet();
    private UpProcess up;
    private String base;
    private int comfyPort;
    private long began;

    @BeforeAll
    void startUp() throws Exception {
        assumeTrue(Files.isExecutable(REAL.resolve("python")) && Files.isDirectory(REAL.resolve("ComfyUI")),
                "no real ComfyUI at " + REAL + " (../shared/comfyui/real beside the clone): the real ComfyUI suite"
                        + " is skipped");
        began = System.nanoTime();
        comfyPort = UpProcess.freePortRun(1);
        // one worker on one CPU slot, kept warm; a short sweep so cancels, timeouts and lost leases show at once.
        // The lease must outlast the worker's 10 s ping interval.
        up = UpProcess.start(dir, """
                server:
                  port: 0
                  adminKey: "%s"
                  lease: 15s
                  sweepInterval: 500ms
                endpoints:
                  - name: %s
                    clientKeys: ["%s"]
                    workerKeys: ["%s"]
                    minWorkers: 1
                    maxWorkers: 1
                    idleTimeout: 10m
                    executionTimeout: 5m
                    maxRetries: 2
                workers:
                  cpuSlots: 1
                  basePort: %d
                  jobGrace: 5s
                  comfyui: {dir: "%s", python: "%s"}
                """.formatted(ADMIN_KEY, EP, CLIENT_KEY, WORKER_KEY, comfyPort, REAL.resolve("ComfyUI"), REAL.resolve("python")), EP);
        base = up.root() + "/v2/" + EP;
        await("a worker with a real ComfyUI is idle").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                .until(() -> health().path("workers").path("idle").asInt() == 1);
        System.out.printf("real ComfyUI e2e: up with one idle worker after %.1f s%n", (System.nanoTime() - began) / 1e9);
    }

    @AfterAll
    void stopUp() {
        if (up != null) {
            up.remember(List.copyOf(started));
            up.close();
            System.out.printf("real ComfyUI e2e: whole suite %.1f s%n", (System.nanoTime() - began) / 1e9);
        }
        http.close();
    }

    @Test
    @Order(0)
    void theWorkersColdStartIsOnAdminSplitIntoComfyFleetsShareAndComfyUis() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(up.root() + "/admin/endpoints/" + EP))
                .header("Authorization", "Bearer " + ADMIN_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode c = JSON.readTree(r.body()).path("coldStarts").path(0);
        // real ComfyUI imports its nodes for seconds on CPU; the worker's own set-up runs meanwhile
        assertThat(c.path("comfyUiMs").asLong()).as("%s", c).isGreaterThan(500);
        assertThat(c.path("providerKnown").asBoolean()).as("%s", c).isTrue();
        assertThat(c.path("comfyFleetMs").asLong()).as("%s", c).isEqualTo(
                c.path("startMs").asLong() + c.path("setupMs").asLong() + c.path("takeMs").asLong());
        assertThat(c.path("warmupMs").isNull()).as("no warm-up configured: %s", c).isTrue();
        System.out.printf("real ComfyUI e2e: cold start %s%n", c);
    }

    @Test
    @Order(1)
    void anInputImageComesBackInvertedPixelForPixel() throws Exception {
        BufferedImage input = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = input.createGraphics();
        g.setColor(new Color(200, 30, 10));
        g.fillRect(0, 0, 24, 32);
        g.setColor(new Color(20, 90, 250));
        g.fillRect(24, 0, 24, 32);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(input, "png", png);
        String id = submit("""
                {"input":{"workflow":{
                  "1":{"class_type":"LoadImage","inputs":{"image":"in.png"}},
                  "2":{"class_type":"ImageInvert","inputs":{"image":["1",0]}},
                  "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"inverted"}}},
                 "images":[{"name":"in.png","image":"%s"}]}}""".formatted(Base64.getEncoder().encodeToString(png.toByteArray())));

        JsonNode done = awaitEnd(id, Duration.ofSeconds(120));
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("COMPLETED");
        BufferedImage out = onlyImage(done);
        assertThat(out.getWidth()).isEqualTo(48);
        assertThat(out.getHeight()).isEqualTo(32);
        for (int y = 0; y < 32; y += 7) {
            for (int x = 0; x < 48; x += 5) {
                int in = input.getRGB(x, y);
                int expected = inverted(in >> 16 & 0xFF) << 16 | inverted(in >> 8 & 0xFF) << 8 | inverted(in & 0xFF);
                assertThat(out.getRGB(x, y) & 0xFFFFFF).as("pixel %d,%d", x, y).isEqualTo(expected);
            }
        }
        // not 255 - v: ComfyUI inverts in float32 and truncates when it saves (the emulator now does the same)
        assertThat(out.getRGB(0, 0) & 0xFFFFFF).isEqualTo(54 << 16 | 225 << 8 | 245);
    }

    /** An 8-bit channel through LoadImage, ImageInvert and SaveImage: {@code uint8(255 * (1 - v / 255))} in float32. */
    private static int inverted(int v) {
        return (int) (255.0f * (1.0f - v / 255.0f));
    }

    @Test
    @Order(2)
    void slowProgressReportsProgressAndPreviewFramesToTheClient() throws Exception {
        String id = submit("""
                {"input":{"preview":true,"workflow":{
                  "1":{"class_type":"EmptyImage","inputs":{"width":64,"height":64,"batch_size":1,"color":16711680}},
                  "2":{"class_type":"SlowProgress","inputs":{"image":["1",0],"steps":12,"delay_ms":250,"fail_at":-1}},
                  "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"slow"}}}}}""");
        List<JsonNode> updates = new ArrayList<>();
        JsonNode last;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        do {
            last = status(id);
            JsonNode output = last.path("output");
            if ("IN_PROGRESS".equals(last.path("status").asString()) && output.has("percent")
                    && (updates.isEmpty() || !updates.getLast().equals(output))) {
                updates.add(output);
            }
            assertThat(System.nanoTime()).as("the job ends within 120 s; last %s", last).isLessThan(deadline);
            Thread.sleep(100);
        } while (!TERMINAL.contains(last.path("status").asString()));

        assertThat(last.path("status").asString()).as(last.toString()).isEqualTo("COMPLETED");
        assertThat(updates).as("progress updates seen while it ran").hasSizeGreaterThanOrEqualTo(3);
        assertThat(updates).anySatisfy(u -> {
            assertThat(u.path("node_type").asString()).isEqualTo("SlowProgress");
            assertThat(u.path("max_steps").asInt()).isEqualTo(12);
            assertThat(u.path("step").asInt()).isBetween(1, 12);
        });
        List<Double> percents = updates.stream().map(u -> u.path("percent").asDouble()).toList();
        assertThat(percents).as("percent only grows").isSorted();
        // SlowProgress sends a JPEG of its image with each step; the worker passes one on as a data URI
        JsonNode withPreview = updates.stream().filter(u -> u.has("preview")).findFirst()
                .orElseThrow(() -> new AssertionError("no progress update carried a preview: " + updates));
        String uri = withPreview.path("preview").asString();
        assertThat(uri).startsWith("data:image/");
        BufferedImage preview = ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(uri.substring(uri.indexOf(',') + 1))));
        assertThat(preview).as("a decodable preview frame").isNotNull();
        int rgb = preview.getRGB(preview.getWidth() / 2, preview.getHeight() / 2);
        assertThat((rgb >> 16) & 0xFF).as("the red of the EmptyImage, through JPEG").isGreaterThan(200);
        assertThat(rgb & 0xFF).isLessThan(60);
    }

    @Test
    @Order(3)
    void theOutputsOfCpuNodesReachTheClient() throws Exception {
        String id = submit("""
                {"input":{"workflow":{
                  "1":{"class_type":"EmptyImage","inputs":{"width":24,"height":16,"batch_size":2,"color":255}},
                  "2":{"class_type":"ImageScale","inputs":{"image":["1",0],"upscale_method":"nearest-exact","width":12,"height":8,"crop":"disabled"}},
                  "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"scaled"}},
                  "4":{"class_type":"PreviewImage","inputs":{"images":["1",0]}},
                  "5":{"class_type":"SaveAnimatedPNG","inputs":{"images":["1",0],"filename_prefix":"anim","fps":6.0,"compress_level":4}}}}}""");
        JsonNode done = awaitEnd(id, Duration.ofSeconds(120));
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("COMPLETED");
        JsonNode output = done.path("output");

        List<JsonNode> outputs = new ArrayList<>();
        output.path("outputs").forEach(outputs::add);
        List<JsonNode> scaled = outputs.stream().filter(o -> o.path("node_id").asString().equals("3")).toList();
        assertThat(scaled).as("SaveImage of a batch of two: %s", output).hasSize(2);
        for (JsonNode file : scaled) {
            assertThat(file.path("filename").asString()).startsWith("scaled").endsWith(".png");
            BufferedImage image = decode(file.path("data").asString());
            assertThat(image.getWidth()).isEqualTo(12);
            assertThat(image.getHeight()).isEqualTo(8);
            assertThat(image.getRGB(3, 3) & 0xFFFFFF).as("EmptyImage's color 255 is blue").isEqualTo(0x0000FF);
        }
        assertThat(outputs).as("SaveAnimatedPNG: one animated PNG of both frames; %s", output)
                .anySatisfy(o -> {
                    assertThat(o.path("node_id").asString()).isEqualTo("5");
                    assertThat(o.path("filename").asString()).startsWith("anim").endsWith(".png");
                    assertThat(Base64.getDecoder().decode(o.path("data").asString())).as("an APNG (acTL chunk)")
                            .containsSequence("acTL".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                });
        assertThat(outputs).as("PreviewImage's temp files are previews, not outputs")
                .noneMatch(o -> o.path("node_id").asString().equals("4"));
        // worker-comfyui's images list: the saved images of the job
        assertThat(output.path("images").size()).isGreaterThanOrEqualTo(2);
    }

    /**
     * The emulator against the real ComfyUI, prompt for prompt: the same workflows posted to both must give the
     * same history (status, message types, each node's outputs: names, folders, kinds) and the same pixels.
     */
    @Test
    @Order(4)
    void theEmulatorAnswersTheseWorkflowsAsTheRealComfyUiDoes() throws Exception {
        List<String> workflows = List.of("""
                {"1":{"class_type":"EmptyImage","inputs":{"width":24,"height":16,"batch_size":2,"color":13115914}},
                 "2":{"class_type":"ImageInvert","inputs":{"image":["1",0]}},
                 "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"PREFIX_inv"}},
                 "4":{"class_type":"ImageScale","inputs":{"image":["1",0],"upscale_method":"nearest-exact","width":12,"height":8,"crop":"disabled"}},
                 "5":{"class_type":"SaveImage","inputs":{"images":["4",0],"filename_prefix":"PREFIX_scaled"}},
                 "6":{"class_type":"SaveAnimatedPNG","inputs":{"images":["2",0],"filename_prefix":"PREFIX_anim","fps":6.0,"compress_level":4}},
                 "7":{"class_type":"PreviewImage","inputs":{"images":["4",0]}}}""", """
                {"1":{"class_type":"PrimitiveInt","inputs":{"value":42}},
                 "2":{"class_type":"PreviewAny","inputs":{"source":["1",0]}},
                 "3":{"class_type":"PrimitiveString","inputs":{"value":"a cat"}},
                 "4":{"class_type":"PreviewAny","inputs":{"source":["3",0]}}}""");
        Path emulatorDir = Files.createDirectories(dir.resolve("emulator"));
        try (io.comfyfleet.emulator.RunningEmulator emulator = io.comfyfleet.emulator.ComfyEmulator.start(
                io.comfyfleet.emulator.EmulatorConfig.builder().port(0).baseDirectory(emulatorDir).zeroTime().build())) {
            String emulated = "http://127.0.0.1:" + emulator.port();
            String real = "http://127.0.0.1:" + comfyPort;
            for (String workflow : workflows) {
                String prefix = "cmp" + Long.toHexString(System.nanoTime());
                String prompt = workflow.replace("PREFIX", prefix);
                JsonNode fromReal = runDirectly(real, prompt);
                JsonNode fromEmulator = runDirectly(emulated, prompt);
                assertThat(shape(fromEmulator)).as("the emulator's history entry against the real one:%n%s%n%s",
                        fromEmulator, fromReal).isEqualTo(shape(fromReal));
                for (Map.Entry<String, JsonNode> node : fromReal.path("outputs").properties()) {
                    JsonNode realImages = node.getValue().path("images");
                    for (int i = 0; i < realImages.size(); i++) {
                        assertThat(pixels(emulated, fromEmulator.path("outputs").path(node.getKey()).path("images").path(i)))
                                .as("the pixels of node %s, image %d", node.getKey(), i)
                                .isEqualTo(pixels(real, realImages.path(i)));
                    }
                }
            }
        }
    }

    /** Posts an API-format prompt to a ComfyUI (real or emulated) and waits for its history entry. */
    private JsonNode runDirectly(String comfy, String prompt) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(comfy + "/prompt"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":" + prompt + ",\"client_id\":\"cmp\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(comfy + " " + r.body()).isEqualTo(200);
        String id = JSON.readTree(r.body()).path("prompt_id").asString();
        JsonNode[] entry = new JsonNode[1];
        await("prompt " + id + " in the history of " + comfy).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(comfy + "/history/" + id))
                            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                    entry[0] = JSON.readTree(h.body()).path(id);
                    return entry[0].path("status").path("completed").isBoolean()
                            && !entry[0].path("status").path("status_str").asString("").isEmpty();
                });
        return entry[0];
    }

    /** What of a history entry must agree: status, message types in order, and each node's outputs. */
    private static String shape(JsonNode entry) {
        StringBuilder out = new StringBuilder();
        out.append("status ").append(entry.path("status").path("status_str").asString())
                .append(" completed ").append(entry.path("status").path("completed").asBoolean()).append('\n');
        entry.path("status").path("messages").forEach(m -> out.append("message ").append(m.path(0).asString()).append('\n'));
        List<String> nodes = new ArrayList<>();
        entry.path("outputs").properties().forEach(e -> nodes.add(e.getKey()));
        nodes.sort(null);
        for (String node : nodes) {
            JsonNode outputs = entry.path("outputs").path(node);
            List<String> keys = new ArrayList<>();
            outputs.properties().forEach(e -> keys.add(e.getKey()));
            keys.sort(null);
            for (String key : keys) {
                out.append("node ").append(node).append(' ').append(key).append(' ')
                        .append(outputs.path(key).toString().replaceAll("_temp_[a-z]{5}_", "_temp_XXXXX_")).append('\n');
            }
        }
        return out.toString();
    }

    /** An output image's pixels as ComfyUI's /view serves them, row by row. */
    private int[] pixels(String comfy, JsonNode image) throws Exception {
        String query = "filename=" + java.net.URLEncoder.encode(image.path("filename").asString(), java.nio.charset.StandardCharsets.UTF_8)
                + "&subfolder=" + java.net.URLEncoder.encode(image.path("subfolder").asString(""), java.nio.charset.StandardCharsets.UTF_8)
                + "&type=" + image.path("type").asString();
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(comfy + "/view?" + query))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(comfy + "/view?" + query).isEqualTo(200);
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(r.body()));
        assertThat(picture).as("a decodable picture from " + comfy).isNotNull();
        return picture.getRGB(0, 0, picture.getWidth(), picture.getHeight(), null, 0, picture.getWidth());
    }

    @Test
    @Order(5)
    void runpodsJavaScriptSdkRunsPollsAndStreams() throws Exception {
        assumeTrue(NodeProject.nodeAvailable(), "node is not installed; this test needs Node 20+ (./test installs it)");
        NodeProject.prepare(REPO.resolve("examples/js"), JS_WORK, List.of("package.json", "example.mjs"), "runpod-sdk");
        NodeProject.Run run = NodeProject.run(JS_WORK, Map.of("COMFYFLEET_CLIENT_KEY", CLIENT_KEY), 180,
                "example.mjs", up.root() + "/v2", EP);
        String output = run.output();
        assertThat(run.ended()).as("the example finished within 180 s; output:%n%s", output).isTrue();
        assertThat(run.exitCode()).as(output).isZero();
        assertThat(output).contains("run: COMPLETED", "stream: COMPLETED")
                .containsPattern("image: \\S+\\.png, \\d+ bytes, PNG");
        assertThat(output.lines().filter(l -> l.matches("image: .*, PNG"))).hasSize(2);
    }

    /**
     * A prefix given as a link (here a PrimitiveString) has no value before ComfyUI runs the prompt, so the worker
     * cannot move it into the job's own folder; and the identical workflow again is all cached on the real ComfyUI,
     * which replays the first job's file names, deleted when that job ended. The second job must deliver its image
     * all the same, and neither may leave a file or a folder in ComfyUI's output folder.
     */
    @Test
    @Order(6)
    void theSameWorkflowWithALinkedPrefixTwiceDeliversItsImageBothTimes() throws Exception {
        Set<String> before = outputTree();
        String job = """
                {"input":{"workflow":{
                  "1":{"class_type":"EmptyImage","inputs":{"width":20,"height":12,"batch_size":1,"color":%d}},
                  "2":{"class_type":"PrimitiveString","inputs":{"value":"linked/again"}},
                  "3":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":["2",0]}}}}}"""
                .formatted(System.nanoTime() & 0xFFFFFF);
        for (int run = 1; run <= 2; run++) {
            JsonNode done = awaitEnd(submit(job), Duration.ofSeconds(120));
            assertThat(done.path("status").asString()).as("run %d: %s", run, done).isEqualTo("COMPLETED");
            assertThat(onlyImage(done).getWidth()).as("run %d", run).isEqualTo(20);
            if (run == 2) {
                assertThat(done.path("output").path("cached_nodes").toString())
                        .as("the second run took the upstream nodes from ComfyUI's cache: %s", done)
                        .contains("\"1\"", "\"2\"");
            }
        }
        awaitOutputTree(before);
    }

    /** A prefix with folders in it ({@code jobs/abc/img}): ComfyUI makes them; the job's clean-up removes them. */
    @Test
    @Order(7)
    void aPrefixWithFoldersLeavesNoEmptyFolderInComfyUisOutput() throws Exception {
        Set<String> before = outputTree();
        JsonNode done = awaitEnd(submit("""
                {"input":{"workflow":{
                  "1":{"class_type":"EmptyImage","inputs":{"width":20,"height":12,"batch_size":1,"color":%d}},
                  "2":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"jobs/abc/img"}}}}}"""
                .formatted(System.nanoTime() & 0xFFFFFF)), Duration.ofSeconds(120));
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("COMPLETED");
        assertThat(onlyImage(done).getWidth()).isEqualTo(20);
        assertThat(done.path("output").path("outputs").path(0).path("subfolder").asString())
                .as("ComfyUI saved under the prefix's folders: %s", done).endsWith("jobs/abc");
        awaitOutputTree(before);
    }

    @Test
    @Order(8)
    void aCancelMidRunInterruptsComfyUiAndTheWorkerTakesTheNextJob() throws Exception {
        int interrupted = interruptsInHistory();
        String id = submit(slowJob(400, 100));
        awaitStep(id);
        HttpResponse<String> cancel = http.send(post(base + "/cancel/" + id, ""), HttpResponse.BodyHandlers.ofString());
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        assertThat(status(id).path("status").asString()).isEqualTo("CANCELLED");
        awaitComfyIdleAfterAnInterrupt(interrupted);
        assertThat(status(id).path("status").asString()).as("a cancelled job stays cancelled").isEqualTo("CANCELLED");

        assertQuickJobCompletes();
    }

    @Test
    @Order(9)
    void anExecutionTimeoutEndsTheJobAndInterruptsComfyUi() throws Exception {
        int interrupted = interruptsInHistory();
        String slow = slowJob(400, 100);
        String id = submit(slow.substring(0, slow.length() - 1) + ",\"policy\":{\"executionTimeout\":5000}}");
        JsonNode done = awaitEnd(id, Duration.ofSeconds(60));
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("TIMED_OUT");
        assertThat(done.path("executionTime").asLong()).as("timed out after its 5 s, not after the run's 40 s")
                .isBetween(5000L, 30_000L);
        awaitComfyIdleAfterAnInterrupt(interrupted);
        assertQuickJobCompletes();
    }

    @Test
    @Order(10)
    void killNineOfComfyUiMidJobFailsThatJobAndTheRestartedComfyUiRunsTheNext() throws Exception {
        String id = submit(slowJob(400, 100));
        awaitStep(id);
        ProcessHandle comfy = comfyUi().orElseThrow(() -> new AssertionError("no ComfyUI process under up:\n" + up.tail()));
        comfy.destroyForcibly();

        JsonNode done = awaitEnd(id, Duration.ofSeconds(60));
        // docs/worker.md: a ComfyUI that dies mid-job fails the job (comfyui_crashed) unless the worker hands it back
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("FAILED");
        assertThat(done.toString()).contains("comfyui_crashed");
        await("ComfyUI restarted by the worker").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> comfyUi().filter(p -> p.pid() != comfy.pid()).isPresent());
        assertQuickJobCompletes();
    }

    @Test
    @Order(11)
    void killNineOfTheWorkerMidJobRequeuesTheJobWhichANewWorkerCompletes() throws Exception {
        String id = submit(slowJob(30, 200));
        JsonNode running = awaitStep(id);
        String firstWorker = running.path("workerId").asString();
        ProcessHandle worker = workerProcess().orElseThrow(() -> new AssertionError("no worker process:\n" + up.tail()));
        started.addAll(worker.descendants().toList());
        worker.destroyForcibly();

        JsonNode done = awaitEnd(id, Duration.ofSeconds(180));
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("COMPLETED");
        assertThat(done.path("retries").asInt()).as("put back in the queue once, when its lease ran out").isEqualTo(1);
        assertThat(done.path("workerId").asString()).as("completed by the new worker").isNotEqualTo(firstWorker);
        assertThat(onlyImage(done).getWidth()).isEqualTo(32);
        assertThat(started.stream().filter(ProcessHandle::isAlive))
                .as("the killed worker's ComfyUI is not left behind").isEmpty();
        assertThat(health().path("jobs").path("inQueue").asInt()).isZero();
    }

    // --- the jobs -------------------------------------------------------------------------------------------------

    /** EmptyImage 32x32, then SlowProgress ({@code steps} x {@code delayMs}), then SaveImage. */
    private static String slowJob(int steps, int delayMs) {
        return """
                {"input":{"workflow":{
                  "1":{"class_type":"EmptyImage","inputs":{"width":32,"height":32,"batch_size":1,"color":%d}},
                  "2":{"class_type":"SlowProgress","inputs":{"image":["1",0],"steps":%d,"delay_ms":%d,"fail_at":-1}},
                  "3":{"class_type":"SaveImage","inputs":{"images":["2",0],"filename_prefix":"slow"}}}}}"""
                .formatted(System.nanoTime() & 0xFFFFFF, steps, delayMs);
    }

    /** The worker runs another job to the end (a different color each time: ComfyUI caches nothing across). */
    private void assertQuickJobCompletes() throws Exception {
        String next = submit(slowJob(2, 10));
        JsonNode done = awaitEnd(next, Duration.ofSeconds(120));
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("COMPLETED");
        assertThat(onlyImage(done).getWidth()).isEqualTo(32);
    }

    /** Waits until the job runs and its SlowProgress reported a step: ComfyUI is mid-node. */
    private JsonNode awaitStep(String id) {
        JsonNode[] seen = new JsonNode[1];
        await("job " + id + " mid-run").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    seen[0] = status(id);
                    assertThat(seen[0].path("status").asString()).as(seen[0].toString()).isIn("IN_QUEUE", "IN_PROGRESS");
                    return seen[0].path("output").path("step").asInt() >= 1;
                });
        return seen[0];
    }

    /**
     * ComfyUI runs nothing any more, and its history shows one more interrupted prompt than {@code before}: the
     * prompt was interrupted, not left to run out its 40 s.
     */
    private void awaitComfyIdleAfterAnInterrupt(int before) {
        await("ComfyUI interrupted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonNode queue = comfy("/queue");
                    return queue.path("queue_running").isEmpty() && queue.path("queue_pending").isEmpty()
                            && interruptsInHistory() > before;
                });
    }

    /** How many prompts in ComfyUI's /history were interrupted (an {@code execution_interrupted} message). */
    private int interruptsInHistory() throws Exception {
        String history = comfy("/history").toString();
        return (history.length() - history.replace("execution_interrupted", "").length())
                / "execution_interrupted".length();
    }

    // --- ComfyUI's output folder -----------------------------------------------------------------------------------

    /** Every file and folder in the worker's ComfyUI's output folder, relative to it. */
    private Set<String> outputTree() throws IOException {
        Path output = Path.of(comfyArgument("--output-directory"));
        try (java.util.stream.Stream<Path> walk = Files.walk(output)) {
            return walk.filter(p -> !p.equals(output)).map(p -> output.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /** The job's clean-up runs while its result goes out: wait until the output folder is as it was. */
    private void awaitOutputTree(Set<String> before) {
        await("ComfyUI's output folder as before the job").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).untilAsserted(() -> assertThat(outputTree())
                        .as("files and folders the job left behind").containsExactlyInAnyOrderElementsOf(before));
    }

    /** The value of one of the worker's ComfyUI's command-line flags. */
    private String comfyArgument(String flag) throws IOException {
        ProcessHandle comfy = comfyUi().orElseThrow(() -> new AssertionError("no ComfyUI process under up:\n" + up.tail()));
        List<String> args = List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(comfy.pid()), "cmdline")),
                java.nio.charset.StandardCharsets.UTF_8).split("\0"));
        int at = args.indexOf(flag);
        assertThat(at).as("%s in ComfyUI's command line %s", flag, args).isNotNegative().isLessThan(args.size() - 1);
        return args.get(at + 1);
    }

    // --- processes ------------------------------------------------------------------------------------------------

    private Optional<ProcessHandle> comfyUi() {
        return up.process().descendants().filter(p -> commandLine(p).contains("launch.py")).findFirst();
    }

    private Optional<ProcessHandle> workerProcess() {
        return up.process().descendants()
                .filter(p -> commandLine(p).contains("io.comfyfleet.cli.Main worker")).findFirst();
    }

    /** From /proc: ProcessHandle.Info gives up on a JVM's command line as long as its class path. */
    private static String commandLine(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return p.info().commandLine().orElse("");
        }
    }

    // --- HTTP -----------------------------------------------------------------------------------------------------

    private String submit(String body) throws Exception {
        HttpResponse<String> r = http.send(post(base + "/run", body), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("id").asString();
    }

    private JsonNode awaitEnd(String id, Duration within) {
        JsonNode[] last = new JsonNode[1];
        await("job " + id + " ends").atMost(within).pollInterval(Duration.ofMillis(200))
                .failFast("up exited", () -> !up.process().isAlive())
                .until(() -> TERMINAL.contains((last[0] = status(id)).path("status").asString()));
        return last[0];
    }

    private JsonNode status(String id) throws Exception {
        return get(base + "/status/" + id);
    }

    private JsonNode health() throws Exception {
        return get(base + "/health");
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + CLIENT_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The worker's ComfyUI, asked directly. */
    private JsonNode comfy(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + comfyPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + CLIENT_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static BufferedImage onlyImage(JsonNode status) throws IOException {
        JsonNode images = status.path("output").path("images");
        assertThat(images.size()).as(status.toString()).isEqualTo(1);
        assertThat(images.path(0).path("type").asString()).isEqualTo("base64");
        return decode(images.path(0).path("data").asString());
    }

    private static BufferedImage decode(String base64) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        assertThat(image).as("a decodable image").isNotNull();
        return image;
    }
}
