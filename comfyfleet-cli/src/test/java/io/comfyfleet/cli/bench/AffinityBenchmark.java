package io.comfyfleet.cli.bench;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.emulator.ComfyEmulator;
import io.comfyfleet.emulator.EmulatorConfig;
import io.comfyfleet.emulator.RunningEmulator;
import io.comfyfleet.emulator.TimingModel;
import io.comfyfleet.gateway.Gateway;
import io.comfyfleet.gateway.config.ConfigLoader;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.WorkerApp;
import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.input.UrlPolicy;
import io.comfyfleet.worker.run.ComfyJobHandler;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * Model-affinity routing against FIFO (docs/performance.md, "Model-affinity routing"): one gateway (this JVM, SQLite),
 * N workers (this JVM), each attached to its own ComfyUI emulator (this JVM) with the H100 timing model under one
 * of two swap profiles: {@code default-cache} (checkpoint files in the page cache; 1.60 s alternating against 0.91 s
 * on one model) or {@code network-volume} (every swap reads the file again, +3.97 s; {@link TimingModel#h100NetworkVolume}).
 * Every worker first runs a warm-up prompt (the CUDA start of the first load is no part of the figure). Then
 * {@code jobs} SD1.5-shaped text-to-image jobs arrive at a steady {@code rate} per second (above what the workers can
 * do, so throughput is the workers', not the arrivals'), each with its own seed so ComfyUI's cache never answers it.
 * The checkpoint of each job depends on the load:
 * <ul>
 * <li>{@code alternating}: two checkpoints strictly interleaved, A,B,A,B...;</li>
 * <li>{@code mixed}: two checkpoints drawn at random (50/50, seeded);</li>
 * <li>{@code mixedN}: N checkpoints drawn at random (uniform, seeded); the emulators' catalogue lists them all;</li>
 * <li>{@code one-model}: always the first.</li>
 * </ul>
 * Jobs/s = jobs / (last job ended - first job submitted).
 *
 * <p>Usage: {@code AffinityBenchmark <workers,...> <jobs> <rate per worker> <runs> [loads,...] [profiles,...]
 * [affinityWait ms]}; loads default to {@code mixed,one-model}, profiles to {@code default-cache}, the wait to the
 * endpoint default. Runs use seeds 1..runs; fifo and affinity alternate within each seed, so both see the same
 * jobs and nearly the same machine.
 */
public final class AffinityBenchmark {
    private static final String CLIENT_KEY = "bench-client-key-0123456789";
    private static final String WORKER_KEY = "bench-worker-key-0123456789";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        List<Integer> workerCounts = List.of(args[0].split(",")).stream().map(Integer::parseInt).toList();
        int jobs = Integer.parseInt(args[1]);
        double ratePerWorker = Double.parseDouble(args[2]);
        int runs = Integer.parseInt(args[3]);
        String loadArg = args.length > 4 && !args[4].equals("both") ? args[4] : "mixed,one-model"; // "both": as before
        List<String> loads = List.of(loadArg.split(","));
        List<String> profiles = List.of((args.length > 5 ? args[5] : "default-cache").split(","));
        String wait = args.length > 6 ? "affinityWait: " + args[6] + "ms" : "";
        List<String> results = new ArrayList<>();
        for (String profile : profiles) {
            TimingModel timing = switch (profile) {
                case "default-cache" -> TimingModel.h100();
                case "network-volume" -> TimingModel.h100NetworkVolume();
                default -> throw new IllegalArgumentException("profile must be default-cache or network-volume: " + profile);
            };
            for (String load : loads) {
                for (int workers : workerCounts) {
                    for (int seed = 1; seed <= runs; seed++) {
                        Result[] result = new Result[2];
                        double[] loadAvg = new double[2];
                        List<String> routings = List.of("fifo", "affinity");
                        for (int r = 0; r < 2; r++) {
                            loadAvg[r] = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                            result[r] = run(routings.get(r), wait, timing.withStartup(Duration.ZERO), workers, jobs,
                                    ratePerWorker * workers, seed, load);
                            System.out.printf(Locale.ROOT, "%-14s %-11s workers=%d seed=%d %-8s %6.3f jobs/s (load %.2f)%n",
                                    profile, load, workers, seed, routings.get(r), result[r].jobsPerS(), loadAvg[r]);
                        }
                        String line = String.format(Locale.ROOT,
                                "| %s | %s | %d | %d | %.3f | %.3f | %.2f× | %.2f / %.2f | %.1f / %.1f |", profile, load,
                                workers, seed, result[0].jobsPerS(), result[1].jobsPerS(),
                                result[1].jobsPerS() / result[0].jobsPerS(), result[0].meanExecution(),
                                result[1].meanExecution(), loadAvg[0], loadAvg[1]);
                        System.out.println(line);
                        results.add(line);
                    }
                }
            }
        }
        System.out.println("\n| profile | load | workers | seed | fifo jobs/s | affinity jobs/s | affinity / fifo"
                + " | mean execution s, fifo / affinity | load average |\n" + String.join("\n", results));
        System.exit(0);
    }

    /** The checkpoints of a load, in the order {@code alternating} and {@code one-model} use them. */
    static List<String> checkpoints(String load) {
        int n = switch (load) {
            case "one-model" -> 1;
            case "alternating", "mixed" -> 2;
            default -> {
                if (!load.matches("mixed[2-9]")) {
                    throw new IllegalArgumentException("load must be alternating, mixed, mixed2..mixed9 or one-model: " + load);
                }
                yield Integer.parseInt(load.substring(5));
            }
        };
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("rand_" + (char) ('a' + i) + ".safetensors");
        }
        return names;
    }

    /** The recorded H100 catalogue with these checkpoints in CheckpointLoaderSimple's list, written to {@code dir}. */
    private static Path catalogue(Path dir, List<String> checkpoints) throws Exception {
        JsonNode info;
        try (var in = AffinityBenchmark.class.getResourceAsStream("/io/comfyfleet/emulator/object_info.json")) {
            info = Json.MAPPER.readTree(in);
        }
        ArrayNode names = (ArrayNode) info.path("CheckpointLoaderSimple").path("input").path("required")
                .path("ckpt_name").get(0);
        names.removeAll();
        checkpoints.forEach(names::add);
        Path file = dir.resolve("object_info.json");
        Files.writeString(file, Json.MAPPER.writeValueAsString(info));
        return file;
    }

    /** One run: throughput, and the mean time a job spent running on its worker (swaps included). */
    record Result(double jobsPerS, double meanExecution) {}

    private static Result run(String routing, String waitSetting, TimingModel timing, int workers, int jobs, double rate,
            long seed, String load) throws Exception {
        Path dir = Files.createTempDirectory("affinity-bench");
        List<String> checkpoints = checkpoints(load);
        Path objectInfo = catalogue(dir, checkpoints);
        String yaml = """
                server:
                  host: 127.0.0.1
                  port: 0
                  dataDir: data
                  jobTakeHold: 5s
                  lease: 60s
                endpoints:
                  - name: ep1
                    clientKeys: [%s]
                    workerKeys: [%s]
                    maxRetries: 0
                    routing: %s
                    %s
                """.formatted(CLIENT_KEY, WORKER_KEY, routing, waitSetting);
        List<RunningEmulator> emulators = new ArrayList<>();
        List<WorkerApp> apps = new ArrayList<>();
        try (Gateway gateway = Gateway.start(new ConfigLoader(name -> null).parse(yaml, "affinity bench", dir))) {
            String base = "http://127.0.0.1:" + gateway.port();
            for (int i = 0; i < workers; i++) {
                RunningEmulator comfy = ComfyEmulator.start(EmulatorConfig.builder().port(0)
                        .baseDirectory(dir.resolve("comfy" + i)).objectInfo(objectInfo).timing(timing)
                        .build());
                emulators.add(comfy);
                WorkerSettings settings = new WorkerSettings(
                        GatewayEndpoints.forGateway(base, "ep1", "w" + i, WORKER_KEY, Duration.ofSeconds(5)),
                        comfy.baseUri(), null,
                        new SupervisorSettings(Duration.ofSeconds(30), Duration.ofSeconds(5),
                                new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2)), 3, Duration.ofMinutes(5), 20),
                        dir.resolve("worker" + i), Duration.ofSeconds(5),
                        new WorkerSettings.JobSettings(Duration.ofMinutes(5), Duration.ofSeconds(5),
                                WorkerSettings.CrashPolicy.FAIL, Duration.ofSeconds(1), 128),
                        new WorkerSettings.OutputSettings("inline", 20L * 1024 * 1024, null), UrlPolicy.defaults(),
                        Json.MAPPER.readTree(textToImage("rand_a.safetensors", 0)));
                WorkerApp app = new WorkerApp(settings, ComfyJobHandler::new);
                apps.add(app);
                Thread.ofPlatform().name("bench-worker-" + i).start(() -> {
                    try {
                        app.run();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            long warmDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (gateway.waitingTakers("ep1") < workers) {
                if (System.nanoTime() > warmDeadline) {
                    throw new IllegalStateException("the workers did not warm up within 60 s");
                }
                Thread.sleep(50);
            }
            Random random = new Random(seed);
            List<String> ids = new ArrayList<>();
            long intervalNanos = (long) (1e9 / rate);
            long start = System.nanoTime();
            for (int i = 0; i < jobs; i++) {
                long due = start + i * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                }
                String ckpt = load.equals("alternating") ? checkpoints.get(i % 2)
                        : checkpoints.get(random.nextInt(checkpoints.size()));
                ids.add(post(base + "/v2/ep1/run", "{\"input\":{\"workflow\":" + textToImage(ckpt, 1000L * seed + i) + "}}")
                        .path("id").asString());
            }
            Map<String, Long> ended = new HashMap<>();
            long delayMs = 0;
            long executionMs = 0;
            Map<String, Integer> perWorker = new java.util.TreeMap<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (ended.size() < ids.size()) {
                for (String id : ids) {
                    if (!ended.containsKey(id)) {
                        JsonNode status = get(base + "/v2/ep1/status/" + id);
                        String s = status.path("status").asString();
                        if (s.equals("COMPLETED")) {
                            ended.put(id, System.nanoTime());
                            delayMs += status.path("delayTime").asLong();
                            executionMs += status.path("executionTime").asLong();
                            perWorker.merge(status.path("workerId").asString(), 1, Integer::sum);
                        } else if (s.equals("FAILED") || s.equals("CANCELLED") || s.equals("TIMED_OUT")) {
                            throw new IllegalStateException("job " + id + " ended " + status);
                        }
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("jobs still running after 10 minutes");
                }
                Thread.sleep(50);
            }
            long last = ended.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            // where the time went: in the queue (delay) or running (execution), and how evenly the workers shared
            System.out.printf(Locale.ROOT, "  %s: mean delay %.2f s, mean execution %.2f s, jobs per worker %s%n",
                    routing, delayMs / 1000.0 / jobs, executionMs / 1000.0 / jobs, perWorker);
            return new Result(jobs / ((last - start) / 1e9), executionMs / 1000.0 / jobs);
        } finally {
            apps.forEach(WorkerApp::stop);
            emulators.forEach(RunningEmulator::close);
        }
    }

    /** The recorded SD1.5-shaped text-to-image prompt (20 steps, 512²) with this checkpoint and seed. */
    static String textToImage(String checkpoint, long seed) {
        return """
                {"3":{"class_type":"KSampler","inputs":{"seed":%d,"steps":20,"cfg":7.0,"sampler_name":"euler",
                      "scheduler":"normal","denoise":1.0,"model":["4",0],"positive":["6",0],"negative":["7",0],
                      "latent_image":["5",0]}},
                 "4":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"%s"}},
                 "5":{"class_type":"EmptyLatentImage","inputs":{"width":512,"height":512,"batch_size":1}},
                 "6":{"class_type":"CLIPTextEncode","inputs":{"text":"a cat","clip":["4",1]}},
                 "7":{"class_type":"CLIPTextEncode","inputs":{"text":"blurry","clip":["4",1]}},
                 "8":{"class_type":"VAEDecode","inputs":{"samples":["3",0],"vae":["4",2]}},
                 "9":{"class_type":"SaveImage","inputs":{"images":["8",0],"filename_prefix":"aff"}}}"""
                .formatted(seed, checkpoint);
    }

    private static JsonNode post(String url, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", CLIENT_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return Json.MAPPER.readTree(r.body());
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", CLIENT_KEY)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(r.body());
    }
}
