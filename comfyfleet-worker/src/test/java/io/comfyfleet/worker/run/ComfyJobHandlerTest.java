package io.comfyfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.worker.JobContext;
import io.comfyfleet.worker.JobOutcome;
import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.gateway.TakenJob;
import io.comfyfleet.worker.input.UrlPolicy;
import io.comfyfleet.worker.supervisor.ComfySupervisor;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The job runner against the ComfyUI emulator running as a separate process, with its fault knobs. */
class ComfyJobHandlerTest {
    @TempDir
    static Path work;
    private static ComfySupervisor comfy;

    @BeforeAll
    static void startComfy() throws Exception {
        comfy = EmulatorProcess.launch(work.resolve("comfy"), "");
        comfy.start();
    }

    @AfterAll
    static void stopComfy() {
        comfy.close();
    }

    @AfterEach
    void clearFaults() throws Exception {
        if (comfy.awaitReady(Duration.ofSeconds(60))) {
            EmulatorProcess.faults(comfy, "{}");
        }
    }

    private static WorkerSettings settings(WorkerSettings.JobSettings job, WorkerSettings.CrashPolicy policy) {
        return settings(job, policy, comfy.baseUrl());
    }

    private static WorkerSettings settings(WorkerSettings.JobSettings job, WorkerSettings.CrashPolicy policy,
                                           java.net.URI comfyUrl) {
        WorkerSettings.JobSettings j = new WorkerSettings.JobSettings(job.executionTimeout(), job.interruptGrace(), policy,
                Duration.ZERO, 256);
        return new WorkerSettings(GatewayEndpoints.forGateway("http://127.0.0.1:1", "ep", "w1", "K", Duration.ofSeconds(1)),
                comfyUrl, null, new SupervisorSettings(Duration.ofSeconds(60), Duration.ofSeconds(5),
                        new io.comfyfleet.worker.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), 3, Duration.ofMinutes(5), 20),
                work, Duration.ofSeconds(5), j, WorkerSettings.OutputSettings.inline(), UrlPolicy.defaults(), null);
    }

    private static ComfyJobHandler handler() {
        return handler(WorkerSettings.JobSettings.defaults());
    }

    private static ComfyJobHandler handler(WorkerSettings.JobSettings job) {
        return new ComfyJobHandler(comfy, settings(job, WorkerSettings.CrashPolicy.FAIL));
    }

    private static TakenJob job(String id, String input) {
        ObjectNode raw = (ObjectNode) Json.MAPPER.readTree("{\"id\":\"" + id + "\",\"input\":" + input + "}");
        return new TakenJob(id, raw.get("input"), raw);
    }

    private static String redPng() throws Exception {
        BufferedImage img = new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 8; x++) {
            for (int y = 0; y < 6; y++) {
                img.setRGB(x, y, 0xff0000);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        return Base64.getEncoder().encodeToString(png.toByteArray());
    }

    private static final java.util.concurrent.atomic.AtomicInteger COLOR = new java.util.concurrent.atomic.AtomicInteger(1);

    /** A workflow no earlier test ran (another colour), so ComfyUI's cache cannot skip the node a fault sits on. */
    private static String invert() {
        return "{\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":64,"
                + "\"batch_size\":1,\"color\":" + COLOR.getAndIncrement() + "}},\"2\":{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}},"
                + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"inv\"}}}}";
    }

    private static JsonNode body(JobOutcome outcome) {
        assertThat(outcome).isInstanceOf(JobOutcome.Finished.class);
        return ((JobOutcome.Finished) outcome).body();
    }

    private static long filesUnder(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void preparingWhileComfyUiStartsNeedsNoComfyUi() {
        WorkerSettings s = settings(WorkerSettings.JobSettings.defaults(), WorkerSettings.CrashPolicy.FAIL);
        ComfySupervisor nothingListening = ComfySupervisor.attached(java.net.URI.create("http://127.0.0.1:1"), s.supervisor());
        ComfyJobHandler handler = new ComfyJobHandler(nothingListening, s);

        handler.prepare(); // throws if it reached for ComfyUI or could not read its made-up job
        handler.close();
    }

    @Test
    void uploadsRunsAndReturnsOutputsInWorkerComfyuiShapeThenCleansUp() throws Exception {
        String input = "{\"workflow\":{\"1\":{\"class_type\":\"LoadImage\",\"inputs\":{\"image\":\"red.png\"}},"
                + "\"2\":{\"class_type\":\"ImageScale\",\"inputs\":{\"image\":[\"1\",0],\"upscale_method\":\"bilinear\","
                + "\"width\":128,\"height\":96,\"crop\":\"disabled\"}},"
                + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"job\"}},"
                + "\"4\":{\"class_type\":\"PreviewImage\",\"inputs\":{\"images\":[\"2\",0]}}},"
                + "\"images\":[{\"name\":\"red.png\",\"image\":\"data:image/png;base64," + redPng() + "\"}]}";
        RecordingContext ctx = new RecordingContext();
        JsonNode body = body(handler().handle(job("ok-1", input), ctx));

        assertThat(body.has("error")).as("%s", body).isFalse();
        JsonNode out = body.path("output");
        assertThat(out.path("images")).hasSize(1);
        JsonNode image = out.path("images").get(0);
        assertThat(image.path("type").asString()).isEqualTo("base64");
        assertThat(image.path("filename").asString()).startsWith("job_").endsWith(".png");
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(image.path("data").asString())));
        assertThat(decoded.getWidth()).isEqualTo(128);
        assertThat(decoded.getHeight()).isEqualTo(96);
        JsonNode described = out.path("outputs").get(0);
        assertThat(described.path("node_id").asString()).isEqualTo("3");
        assertThat(described.path("kind").asString()).isEqualTo("image");
        assertThat(described.path("mime_type").asString()).isEqualTo("image/png");
        assertThat(described.path("sha256").asString()).hasSize(64);
        assertThat(described.path("size").asLong()).isEqualTo(Base64.getDecoder().decode(image.path("data").asString()).length);
        assertThat(out.path("outputs")).hasSize(1); // the PreviewImage temp file is not a result

        LaunchFolders f = LaunchFolders.of(comfy);
        // deleted while the result goes to the gateway, so just after handle() returns
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(f.input().resolve("red.png")).doesNotExist();
            assertThat(filesUnder(f.output())).isZero();
            assertThat(filesUnder(f.temp().resolve("temp"))).isZero();
        });
    }

    @Test
    void theSameWorkflowTwiceDeliversItsOutputBothTimes() throws Exception {
        String same = "{\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":32,\"height\":32,"
                + "\"batch_size\":1,\"color\":77}},\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],"
                + "\"filename_prefix\":\"again\"}}}}";
        JsonNode first = body(handler().handle(job("same-1", same), new RecordingContext()));
        JsonNode second = body(handler().handle(job("same-2", same), new RecordingContext()));
        assertThat(first.path("output").path("images")).hasSize(1);
        assertThat(second.has("error")).as("%s", second).isFalse();
        assertThat(second.path("output").path("images")).hasSize(1);
        // the PNG carries the prompt in its metadata, so bytes differ; the picture is the same
        BufferedImage again = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(
                second.path("output").path("images").get(0).path("data").asString())));
        assertThat(again.getWidth()).isEqualTo(32);
        assertThat(second.path("output").path("outputs").get(0).path("subfolder").asString()).isNotEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> filesUnder(LaunchFolders.of(comfy).output()) == 0);
    }

    /**
     * A linked prefix cannot be moved into the job's folder, and ComfyUI (the emulator too) caches the identical
     * prompt whole: the second job must still deliver a file, not the first job's deleted one.
     */
    @Test
    void theSameWorkflowWithALinkedPrefixTwiceDeliversItsOutputBothTimes() throws Exception {
        Path output = LaunchFolders.of(comfy).output();
        java.util.Set<String> before = treeUnder(output);
        String same = "{\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":32,\"height\":32,"
                + "\"batch_size\":1,\"color\":78}},\"2\":{\"class_type\":\"PrimitiveString\",\"inputs\":{\"value\":\"linked/x\"}},"
                + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],\"filename_prefix\":[\"2\",0]}}}}";
        for (int run = 1; run <= 2; run++) {
            JsonNode body = body(handler().handle(job("linked-" + run, same), new RecordingContext()));
            assertThat(body.has("error")).as("run %d: %s", run, body).isFalse();
            assertThat(body.path("output").path("images")).as("run %d: %s", run, body).hasSize(1);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(treeUnder(output))
                .containsExactlyInAnyOrderElementsOf(before));
    }

    @Test
    void aPrefixWithFoldersLeavesNoFolderBehind() throws Exception {
        Path output = LaunchFolders.of(comfy).output();
        java.util.Set<String> before = treeUnder(output);
        String nested = "{\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":32,\"height\":32,"
                + "\"batch_size\":1,\"color\":79}},\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],"
                + "\"filename_prefix\":\"jobs/abc/img\"}}}}";
        JsonNode body = body(handler().handle(job("nested-1", nested), new RecordingContext()));
        assertThat(body.path("output").path("outputs").get(0).path("subfolder").asString()).endsWith("jobs/abc");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(treeUnder(output))
                .containsExactlyInAnyOrderElementsOf(before));
    }

    /** Every file and folder under {@code dir}, relative to it. */
    private static java.util.Set<String> treeUnder(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void theJobsS3ConfigSendsOutputsToS3AsPresignedUrls() throws Exception {
        org.gaul.s3proxy.S3Proxy s3 = org.gaul.s3proxy.S3Proxy.builder()
                .blobStore(new org.gaul.s3proxy.nio2blob.TransientNio2BlobStore())
                .awsAuthentication(org.gaul.s3proxy.auth.AuthenticationType.AWS_V2_OR_V4, "access", "secret")
                .endpoint(java.net.URI.create("http://127.0.0.1:0")).build();
        s3.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> "STARTED".equals(s3.getState()));
            String endpoint = "http://127.0.0.1:" + s3.getPort();
            try (var admin = software.amazon.awssdk.services.s3.S3Client.builder()
                    .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                    .endpointOverride(java.net.URI.create(endpoint)).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                    .forcePathStyle(true).credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("access", "secret"))).build()) {
                admin.createBucket(b -> b.bucket("results"));
            }
            // RunPod's /run carries s3Config beside input; the gateway hands it to the worker the same way
            String raw = "{\"id\":\"s3-1\",\"input\":" + invert() + ",\"s3Config\":{\"accessId\":\"access\","
                    + "\"accessSecret\":\"secret\",\"bucketName\":\"results\",\"endpointUrl\":\"" + endpoint + "\"}}";
            ObjectNode rawJob = (ObjectNode) Json.MAPPER.readTree(raw);
            JsonNode body = body(handler().handle(new TakenJob("s3-1", rawJob.get("input"), rawJob), new RecordingContext()));
            JsonNode image = body.path("output").path("images").get(0);
            assertThat(image.path("type").asString()).as("%s", body).isEqualTo("s3_url");
            var fetched = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(image.path("data").asString())).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(fetched.statusCode()).isEqualTo(200);
            assertThat(ImageIO.read(new ByteArrayInputStream(fetched.body())).getWidth()).isEqualTo(64);
        } finally {
            s3.stop();
        }
    }

    @Test
    void anInvalidWorkflowFailsBeforeRunningWithComfyUiShapedNodeErrors() throws Exception {
        JsonNode unknown = body(handler().handle(job("bad-1", "{\"workflow\":{\"1\":{\"class_type\":\"NoSuchNode\",\"inputs\":{}},"
                + "\"2\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],\"filename_prefix\":\"x\"}}}}"),
                new RecordingContext()));
        assertThat(unknown.path("error").asString()).contains("NoSuchNode");
        assertThat(unknown.path("output").path("reason").asString()).isEqualTo("validation_failed");
        assertThat(unknown.path("output").has("node_errors")).isTrue();

        JsonNode ui = body(handler().handle(job("bad-2", "{\"workflow\":{\"last_node_id\":3,\"nodes\":[{\"id\":1,\"type\":\"SaveImage\"}],"
                + "\"links\":[]}}"), new RecordingContext()));
        assertThat(ui.path("error").asString()).contains("UI").contains("API");

        JsonNode missing = body(handler().handle(job("bad-3", "{\"workflow\":{\"1\":{\"class_type\":\"LoadImage\",\"inputs\":{\"image\":\"nothere.png\"}},"
                + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],\"filename_prefix\":\"x\"}}}}"), new RecordingContext()));
        assertThat(missing.path("error").asString()).contains("nothere.png");
        assertThat(missing.path("output").path("node_errors").has("1")).isTrue();
    }

    @Test
    void aNodeThatRaisesIsNamedWithItsTraceback() throws Exception {
        EmulatorProcess.faults(comfy, "{\"fail\":{\"node\":\"ImageInvert\"}}");
        JsonNode body = body(handler().handle(job("err-1", invert()), new RecordingContext()));
        assertThat(body.path("error").asString()).startsWith("Node 2 (ImageInvert) failed: ");
        assertThat(body.path("output").path("reason").asString()).isEqualTo("node_error");
        assertThat(body.path("output").path("traceback")).isNotEmpty();
    }

    @Test
    void outOfMemoryFreesComfyUisCachesAndTheNextJobRuns() throws Exception {
        int color = COLOR.getAndIncrement();
        String base = "\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":64,\"batch_size\":1,\"color\":" + color + "}},";
        String invert = "{\"workflow\":{" + base + "\"2\":{\"class_type\":\"ImageInvert\",\"inputs\":{\"image\":[\"1\",0]}},"
                + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"oom\"}}}}";
        String scale = "{\"workflow\":{" + base + "\"2\":{\"class_type\":\"ImageScale\",\"inputs\":{\"image\":[\"1\",0],"
                + "\"upscale_method\":\"bilinear\",\"width\":32,\"height\":32,\"crop\":\"disabled\"}},"
                + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"oom\"}}}}";
        JsonNode warm = body(handler().handle(job("oom-0", invert), new RecordingContext()));
        assertThat(warm.has("error")).as("%s", warm).isFalse();
        JsonNode cachedBefore = body(handler().handle(job("oom-1", invert), new RecordingContext()));
        assertThat(cachedBefore.path("output").path("cached_nodes").toString()).contains("\"1\"");

        EmulatorProcess.faults(comfy, "{\"oom\":{\"node\":\"ImageScale\"}}");
        JsonNode oom = body(handler().handle(job("oom-2", scale), new RecordingContext()));
        assertThat(oom.path("output").path("exception_type").asString()).contains("OutOfMemoryError");
        EmulatorProcess.faults(comfy, "{}");

        // POST /free dropped the cached outputs: the same workflow now runs from scratch
        JsonNode after = body(handler().handle(job("oom-3", invert), new RecordingContext()));
        assertThat(after.has("error")).as("%s", after).isFalse();
        assertThat(after.path("output").path("cached_nodes").toString()).doesNotContain("\"1\"");
    }

    @Test
    void aWebSocketDropMidJobIsReconciled() throws Exception {
        EmulatorProcess.faults(comfy, "{\"drop_websocket\":{\"after_frames\":3}}");
        String slow = "{\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":64,\"height\":64,\"batch_size\":1,"
                + "\"color\":" + COLOR.getAndIncrement() + "}},\"2\":{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],"
                + "\"steps\":6,\"delay_ms\":100,\"fail_at\":-1}},\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],"
                + "\"filename_prefix\":\"drop\"}}}}";
        JsonNode body = body(handler().handle(job("drop-1", slow), new RecordingContext()));
        assertThat(body.has("error")).as("%s", body).isFalse();
        assertThat(body.path("output").path("images")).hasSize(1);
    }

    @Test
    void warmUpRunsItsWorkflowAndLeavesNoFiles() throws Exception {
        JsonNode warmup = Json.MAPPER.readTree(invert()).get("workflow");
        WorkerSettings base = settings(WorkerSettings.JobSettings.defaults(), WorkerSettings.CrashPolicy.FAIL);
        WorkerSettings withWarmup = new WorkerSettings(base.gateway(), base.comfyUrl(), base.launch(), base.supervisor(),
                base.workDir(), base.shutdownGrace(), base.job(), base.outputs(), base.urlPolicy(), warmup);
        int before = historySize();
        new ComfyJobHandler(comfy, withWarmup).warmUp();
        assertThat(historySize()).isEqualTo(before + 1);
        assertThat(filesUnder(LaunchFolders.of(comfy).output())).isZero();
    }

    private static int historySize() throws Exception {
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(comfy.baseUrl() + "/history")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(r.body()).size();
    }

    @Test
    void progressNamesTheNodeAndStepsAndCarriesPreviewsOnRequest() throws Exception {
        String slow = "{\"preview\":true,\"workflow\":{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":256,\"height\":256,\"batch_size\":1,\"color\":123456}},"
                + "\"2\":{\"class_type\":\"SlowProgress\",\"inputs\":{\"image\":[\"1\",0],\"steps\":8,\"delay_ms\":100,\"fail_at\":-1}},"
                + "\"9\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"slow\"}}}}";
        RecordingContext ctx = new RecordingContext();
        JsonNode body = body(handler().handle(job("slow-1", slow), ctx));
        assertThat(body.has("error")).as("%s", body).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> ctx.progress.stream().anyMatch(p -> p.has("max_steps")));
        JsonNode stepped = ctx.progress.stream().filter(p -> p.has("max_steps")).findFirst().orElseThrow();
        assertThat(stepped.path("node_type").asString()).isEqualTo("SlowProgress");
        assertThat(stepped.path("max_steps").asInt()).isEqualTo(8);
        assertThat(stepped.path("percent").asDouble()).isBetween(0.0, 100.0);
        assertThat(ctx.progress).anySatisfy(p -> assertThat(p.path("preview").asString("")).startsWith("data:image/jpeg;base64,"));
    }

    @Test
    void jobStopInterruptsThePromptAndPostsNothing() throws Exception {
        EmulatorProcess.faults(comfy, "{\"hang\":{\"node\":\"ImageInvert\"}}");
        RecordingContext ctx = new RecordingContext();
        CompletableFuture<JobOutcome> outcome = runAsync(handler(), job("stop-1", invert()), ctx);
        await().atMost(Duration.ofSeconds(20)).until(() -> ctx.progress.stream()
                .anyMatch(p -> "ImageInvert".equals(p.path("node_type").asString())));
        ctx.requestStop(JobContext.StopReason.GATEWAY_STOP);
        assertThat(outcome.get(20, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(JobOutcome.Stopped.class);
    }

    @Test
    void aPromptThatIgnoresTheInterruptGetsComfyUiRestarted() throws Exception {
        EmulatorProcess.faults(comfy, "{\"hang\":{\"node\":\"ImageInvert\",\"ignore_interrupt\":true}}");
        long pid = comfy.process().orElseThrow().pid();
        RecordingContext ctx = new RecordingContext();
        ComfyJobHandler h = handler(new WorkerSettings.JobSettings(Duration.ofHours(1), Duration.ofSeconds(1),
                WorkerSettings.CrashPolicy.FAIL, Duration.ZERO, 256));
        CompletableFuture<JobOutcome> outcome = runAsync(h, job("stuck-1", invert()), ctx);
        // stop only once the node is held: an interrupt that lands before the hang stops the node normally
        await().atMost(Duration.ofSeconds(20)).until(() -> EmulatorProcess.hangingNode(comfy) != null);
        ctx.requestStop(JobContext.StopReason.GATEWAY_STOP);
        assertThat(outcome.get(60, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(JobOutcome.Stopped.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> comfy.state() == ComfySupervisor.State.READY
                && comfy.process().map(ProcessHandle::pid).orElse(pid) != pid);
    }

    @Test
    void aJobAskedToStopWhoseComfyUiDiesMeanwhileStopsRatherThanCrashes() throws Exception {
        // what the restart above does when the lost socket is seen before the interrupted prompt's end: here the
        // interrupt grace is long and ComfyUI is killed from outside while the stop is pending, so that order is sure
        EmulatorProcess.faults(comfy, "{\"hang\":{\"node\":\"ImageInvert\",\"ignore_interrupt\":true}}");
        long pid = comfy.process().orElseThrow().pid();
        RecordingContext ctx = new RecordingContext();
        ComfyJobHandler h = handler(new WorkerSettings.JobSettings(Duration.ofHours(1), Duration.ofHours(1),
                WorkerSettings.CrashPolicy.FAIL, Duration.ZERO, 256));
        CompletableFuture<JobOutcome> outcome = runAsync(h, job("stuck-2", invert()), ctx);
        await().atMost(Duration.ofSeconds(20)).until(() -> EmulatorProcess.hangingNode(comfy) != null);
        ctx.requestStop(JobContext.StopReason.GATEWAY_STOP);
        comfy.process().orElseThrow().destroyForcibly();

        assertThat(outcome.get(60, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(JobOutcome.Stopped.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> comfy.state() == ComfySupervisor.State.READY
                && comfy.process().map(ProcessHandle::pid).orElse(pid) != pid);
    }

    @Test
    void theWorkersExecutionTimeoutFailsTheJob() throws Exception {
        EmulatorProcess.faults(comfy, "{\"hang\":{\"node\":\"ImageInvert\"}}");
        ComfyJobHandler h = handler(new WorkerSettings.JobSettings(Duration.ofSeconds(2), Duration.ofSeconds(5),
                WorkerSettings.CrashPolicy.FAIL, Duration.ZERO, 256));
        JsonNode body = body(h.handle(job("slow-2", invert()), new RecordingContext()));
        assertThat(body.path("output").path("reason").asString()).isEqualTo("timeout");
        assertThat(body.path("error").asString()).contains("execution timeout of 2 s");
    }

    @Test
    void comfyUiDyingMidJobFailsItAndTheNextJobRunsOnTheRestartedOne() throws Exception {
        EmulatorProcess.faults(comfy, "{\"exit\":{\"node\":\"ImageInvert\",\"code\":137,\"halt\":true}}");
        long pid = comfy.process().orElseThrow().pid();
        JsonNode body = body(handler().handle(job("crash-1", invert()), new RecordingContext()));
        assertThat(body.path("output").path("reason").asString()).isEqualTo("comfyui_crashed");
        assertThat(comfy.state()).isEqualTo(ComfySupervisor.State.READY);
        assertThat(comfy.process().orElseThrow().pid()).isNotEqualTo(pid);
        JsonNode next = body(handler().handle(job("crash-2", invert()), new RecordingContext()));
        assertThat(next.has("error")).as("%s", next).isFalse();
    }

    @Test
    void handBackPolicyReturnsTheJobWithoutResult() throws Exception {
        EmulatorProcess.faults(comfy, "{\"exit\":{\"node\":\"ImageInvert\",\"code\":137,\"halt\":true}}");
        ComfyJobHandler h = new ComfyJobHandler(comfy, settings(WorkerSettings.JobSettings.defaults(),
                WorkerSettings.CrashPolicy.HAND_BACK));
        assertThat(h.handle(job("crash-3", invert()), new RecordingContext())).isInstanceOf(JobOutcome.HandedBack.class);
    }

    @Test
    void aRefusedInputUrlFailsTheJobWithTheReason() throws Exception {
        JsonNode body = body(handler().handle(job("url-1", "{\"workflow\":{},\"images\":[{\"name\":\"a.png\","
                + "\"image\":\"https://169.254.169.254/latest/meta-data\"}]}"), new RecordingContext()));
        assertThat(body.path("error").asString()).contains("link-local");
        assertThat(body.path("output").path("reason").asString()).isEqualTo("invalid_input");
    }

    private static CompletableFuture<JobOutcome> runAsync(ComfyJobHandler h, TakenJob job, RecordingContext ctx) {
        CompletableFuture<JobOutcome> f = new CompletableFuture<>();
        Thread.ofPlatform().name("job-" + job.id()).start(() -> {
            try {
                f.complete(h.handle(job, ctx));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** The folders the supervisor handed to the emulator. */
    private record LaunchFolders(Path input, Path output, Path temp) {
        static LaunchFolders of(ComfySupervisor s) {
            var f = s.folders().orElseThrow();
            return new LaunchFolders(f.input(), f.output(), f.temp());
        }
    }

    /** A history entry that says "error" but holds no execution_error ended the job in a NullPointerException. */
    @Test
    void aFailureComfyUiRecordsWithoutItsErrorEndsTheJobSayingSo() throws Exception {
        try (HistoryWithoutErrorComfyUi unexplained = new HistoryWithoutErrorComfyUi()) {
            WorkerSettings s = settings(WorkerSettings.JobSettings.defaults(), WorkerSettings.CrashPolicy.FAIL,
                    unexplained.baseUrl());
            ComfySupervisor attached = ComfySupervisor.attached(unexplained.baseUrl(), s.supervisor());
            attached.start();
            ComfyJobHandler handler = new ComfyJobHandler(attached, s);
            try {
                JsonNode body = body(handler.handle(job("unexplained-1", invert()), new RecordingContext()));

                assertThat(body.path("error").asString()).isEqualTo("ComfyUI ended the workflow as failed (its history"
                        + " says status \"error\") without saying which node failed or why; ComfyUI's own log on the"
                        + " worker may tell");
                assertThat(body.path("output").path("reason").asString()).as("%s", body)
                        .isEqualTo("comfyui_error");
            } finally {
                handler.close();
                attached.close();
            }
        }
    }
}
