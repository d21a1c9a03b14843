package io.comfyfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import com.sun.net.httpserver.HttpServer;
import io.comfyfleet.testkit.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Builds the CPU test recipe {@code examples/worker-image/comfyfleet-image.yaml} for real with podman, its custom
 * node taken from a git repository made here, a build secret, a cache model served over HTTP and a volume model;
 * then runs the image against a gateway in this JVM and sends it a job through RunPod's API. The first build on a machine downloads Debian's python3-torch and
 * friends (about 11 minutes here); later builds reuse podman's layer cache (about 30 s).
 */
class ImageBuildIT {
    private static final String CLIENT_KEY = "client-key-0123456789";
    private static final String WORKER_KEY = "worker-key-0123456789";
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theCpuRecipeBuildsIntoAnImageWhoseWorkerRunsAJobOnItsComfyUi() throws Exception {
        assumeTrue(onPath("podman"), "podman is not installed: run ../shared/containers/setup.sh (as root) to build"
                + " and run worker images here");
        Path repo = Path.of(System.getProperty("comfyfleet.repo.dir", "..")).toAbsolutePath().normalize();
        Path example = repo.resolve("examples/worker-image");
        // the CPU recipe's ComfyUI is the real one of ../shared beside the clone (as the real ComfyUI tests use)
        assumeTrue(Files.isDirectory(repo.resolveSibling("shared").resolve("comfyui/real/ComfyUI")),
                "no ../shared/comfyui/real beside the clone: the CPU recipe has no ComfyUI to build from");
        Path jar = repo.resolve("comfyfleet-cli/target/comfyfleet.jar");
        assertThat(jar).as("the shaded jar (package phase)").isRegularFile();

        // the custom node comes from a git repository at a commit; its .git must not reach the image
        Path node = dir.resolve("probe-node");
        copy(example.resolve("probe-node"), node);
        git(node, "init", "-q");
        git(node, "add", "-A");
        git(node, "-c", "user.name=t", "-c", "user.email=t@comfyfleet.invalid", "commit", "-q", "-m", "probe");
        String commit = git(node, "rev-parse", "HEAD").strip();
        // a cache model served over HTTP (fetched by the container at start) and a volume model on a mounted folder
        byte[] lora = ("cached lora " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        HttpServer models = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        models.createContext("/lora.safetensors", ex -> {
            ex.sendResponseHeaders(200, lora.length);
            ex.getResponseBody().write(lora);
            ex.close();
        });
        models.start();
        Files.createDirectories(dir.resolve("volume/vae"));
        Files.writeString(dir.resolve("volume/vae/on-volume.safetensors"), "vae on the volume");
        Files.createDirectories(dir.resolve("cache"));
        try {
            Path recipe = derivedRecipe(example, node, commit, "http://127.0.0.1:" + models.getAddress().getPort()
                    + "/lora.safetensors", sha256(lora), sha256("vae on the volume".getBytes(StandardCharsets.UTF_8)));
            runAll(jar, recipe);
        } finally {
            models.stop(0);
        }
        try (var s = Files.list(dir.resolve("cache/sha256"))) {
            assertThat(s.map(p -> p.getFileName().toString())).as("the machine's model cache").containsExactly(sha256(lora));
        }
    }

    private void runAll(Path jar, Path recipe) throws Exception {
        String secret = "probe-secret-" + UUID.randomUUID();
        long t0 = System.nanoTime();
        String ref = build(jar, recipe, secret);
        long firstMs = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        assertThat(build(jar, recipe, secret)).as("same recipe, same context digest, same tag").isEqualTo(ref);
        long againMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("image %s: build %d ms, unchanged rebuild %d ms%n", ref, firstMs, againMs);
        assertThat(ref).matches("localhost/comfyfleet-worker:[0-9a-f]{12}");

        // the build secret was mounted for its step, and is in no layer and no history entry
        String history = run(List.of("podman", "history", "--no-trunc", ref), 60);
        assertThat(history).contains("test -s /run/secrets/probe_token").doesNotContain(secret);
        String hits = run(List.of("sh", "-c", "podman save --format docker-archive " + ref + " | grep -a -c -F '"
                + secret + "' || true"), 600).strip();
        assertThat(hits).as("occurrences of the secret's value in `podman save`").isEqualTo("0");

        String inside = run(List.of("podman", "run", "--rm", "--network=host", "--entrypoint", "sh", ref, "-c",
                "find / -xdev -name .git; ls /opt/ComfyUI/custom_nodes/comfyfleet-probe;"
                        + " sha256sum /opt/ComfyUI/models/checkpoints/comfyfleet-probe.safetensors"), 120);
        assertThat(inside).doesNotContain(".git").contains("__init__.py")
                .contains("2fb513442b4f38f36e61f9d8f8651668887f4eb2ee72178f1e2c78ae80ece523");

        try {
            runWithGateway(ref);
        } finally {
            keepOnlyTheLatest(ref);
        }
    }

    /**
     * Every run makes a new tag (the cache model's URL has a new port): keep the layer cache (the first build's
     * 700 s of Debian packages) under one fixed tag, and drop this run's tag and the previous run's image.
     */
    private static void keepOnlyTheLatest(String ref) throws Exception {
        String keep = "localhost/comfyfleet-image-it:latest";
        String previous = run(List.of("podman", "image", "inspect", "--format", "{{.Id}}", keep), 60).strip();
        String current = run(List.of("podman", "image", "inspect", "--format", "{{.Id}}", ref), 60).strip();
        run(List.of("podman", "tag", ref, keep), 60);
        run(List.of("podman", "rmi", ref), 60);
        if (previous.matches("[0-9a-f]{64}") && !previous.equals(current)) {
            run(List.of("podman", "rmi", previous), 120);
        }
    }

    private void runWithGateway(String ref) throws Exception {
        try (Gateway gateway = Gateway.start(new ConfigLoader(name -> null).parse("""
                server: {host: 127.0.0.1, port: 0, dataDir: data, jobTakeHold: 2s, lease: 30s}
                endpoints:
                  - name: ep1
                    clientKeys: [%s]
                    workerKeys: [%s]
                """.formatted(CLIENT_KEY, WORKER_KEY), "image test", dir))) {
            runImage(ref, gateway.port());
        }
    }

    private void runImage(String ref, int gatewayPort) throws Exception {
        int comfyPort = FreePorts.one();
        String gw = "http://127.0.0.1:" + gatewayPort + "/v2/ep1";
        String name = "comfyfleet-image-it-" + UUID.randomUUID().toString().substring(0, 8);
        long t0 = System.nanoTime();
        run(List.of("podman", "run", "-d", "--name", name, "--network=host",
                "-e", "RUNPOD_WEBHOOK_GET_JOB=" + gw + "/job-take/$ID?gpu=none&version=" + ref.replace(":", "%3A"),
                "-e", "RUNPOD_WEBHOOK_POST_OUTPUT=" + gw + "/job-done/$RUNPOD_POD_ID/$ID?gpu=none",
                "-e", "RUNPOD_WEBHOOK_PING=" + gw + "/ping/$RUNPOD_POD_ID",
                "-e", "RUNPOD_POD_ID=image-w1", "-e", "RUNPOD_AI_API_KEY=" + WORKER_KEY,
                "-e", "COMFYFLEET_COMFYUI_PORT=" + comfyPort,
                "-v", dir.resolve("cache") + ":/var/cache/comfyfleet/models",
                "-v", dir.resolve("volume") + ":/runpod-volume/models:ro", ref), 60);
        try {
            String comfy = "http://127.0.0.1:" + comfyPort;
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> get(comfy + "/system_stats").statusCode() == 200);
            System.out.printf("container start to ComfyUI ready: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            JsonNode probe = Json.MAPPER.readTree(get(comfy + "/object_info/ComfyFleetProbe").body());
            assertThat(probe.path("ComfyFleetProbe").path("python_module").asString()).contains("comfyfleet-probe");
            JsonNode ckpt = Json.MAPPER.readTree(get(comfy + "/object_info/CheckpointLoaderSimple").body());
            assertThat(ckpt.toString()).contains("comfyfleet-probe.safetensors");
            assertThat(get(comfy + "/object_info/LoraLoader").body()).contains("cached-lora.safetensors");
            assertThat(get(comfy + "/object_info/VAELoader").body()).contains("on-volume.safetensors");

            // a job through RunPod's API: gateway -> worker in the container -> ComfyUI -> the custom node
            long j0 = System.nanoTime();
            String workflow = "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":32,\"height\":24,\"batch_size\":1,\"color\":255}},"
                    + "\"2\":{\"class_type\":\"ComfyFleetProbe\",\"inputs\":{\"image\":[\"1\",0]}},"
                    + "\"3\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"2\",0],\"filename_prefix\":\"probe\"}}}";
            HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(URI.create(gw + "/run"))
                    .header("Authorization", "Bearer " + CLIENT_KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"workflow\":" + workflow + "}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
            String id = Json.MAPPER.readTree(submitted.body()).path("id").asString();
            JsonNode[] last = new JsonNode[1];
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
                last[0] = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(gw + "/status/" + id))
                        .header("Authorization", "Bearer " + CLIENT_KEY).build(), HttpResponse.BodyHandlers.ofString()).body());
                return List.of("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT").contains(last[0].path("status").asString());
            });
            System.out.printf("job through the image's worker: %d ms%n", (System.nanoTime() - j0) / 1_000_000);
            assertThat(last[0].path("status").asString()).as("%s", last[0]).isEqualTo("COMPLETED");
            assertThat(last[0].path("output").path("images").get(0).path("filename").asString()).startsWith("probe");
            assertThat(run(List.of("podman", "logs", name), 30)).contains("[ComfyFleetProbe] checkpoints:")
                    .contains("comfyfleet-probe.safetensors");
        } catch (AssertionError | RuntimeException e) {
            System.out.println(run(List.of("podman", "logs", name), 30));
            throw e;
        } finally {
            run(List.of("podman", "stop", "-t", "20", name), 60);
            run(List.of("podman", "rm", "-f", name), 60);
        }
    }

    /** The example recipe with absolute paths, its node from the git repository, and a build secret. */
    private Path derivedRecipe(Path example, Path node, String commit, String loraUrl, String loraSha, String vaeSha)
            throws IOException {
        ObjectNode r = (ObjectNode) YAML.readTree(Files.readString(example.resolve("comfyfleet-image.yaml")));
        ObjectNode comfy = (ObjectNode) r.get("comfyui");
        comfy.put("path", example.resolve(comfy.get("path").asString()).normalize().toString());
        for (JsonNode f : r.get("files")) {
            ((ObjectNode) f).put("from", example.resolve(f.get("from").asString()).normalize().toString());
        }
        for (JsonNode m : r.get("models")) {
            ((ObjectNode) m).put("source", example.resolve(m.get("source").asString()).normalize().toString());
        }
        ArrayNode modelList = (ArrayNode) r.get("models");
        modelList.addObject().put("folder", "loras").put("name", "cached-lora.safetensors").put("source", loraUrl)
                .put("sha256", loraSha).put("placement", "cache");
        modelList.addObject().put("folder", "vae").put("name", "on-volume.safetensors").put("source", "vae/on-volume.safetensors")
                .put("sha256", vaeSha).put("placement", "volume");
        ArrayNode nodes = r.putArray("nodes");
        nodes.addObject().put("name", "comfyfleet-probe").put("git", node.toString()).put("commit", commit);
        r.putArray("secrets").addObject().put("id", "probe_token").put("env", "COMFYFLEET_TEST_PROBE_TOKEN");
        ObjectNode step = r.putArray("run").addObject().put("command", "test -s /run/secrets/probe_token");
        step.putArray("secrets").add("probe_token");
        Path out = dir.resolve("comfyfleet-image.yaml");
        Files.writeString(out, YAML.writeValueAsString(r));
        return out;
    }

    private String build(Path jar, Path recipe, String secret) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "image", "build", recipe.toString())
                .redirectError(dir.resolve("build.log").toFile());
        pb.environment().put("COMFYFLEET_TEST_PROBE_TOKEN", secret);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(40, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as("image build:\n%s", Files.readString(dir.resolve("build.log"))).isZero();
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String run(List<String> cmd, int timeoutS) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " took over " + timeoutS + " s");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        return run(cmd, 60);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
