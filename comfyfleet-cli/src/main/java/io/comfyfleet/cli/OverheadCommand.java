package io.comfyfleet.cli;

import io.comfyfleet.cli.up.FleetStack;
import io.comfyfleet.cli.up.UpConfig;
import io.comfyfleet.cli.up.UpConfigLoader;
import io.comfyfleet.common.http.BlockingHttp;
import io.comfyfleet.common.json.Json;
import io.comfyfleet.comfy.client.ComfyClient;
import io.comfyfleet.comfy.client.ViewStream;
import io.comfyfleet.comfy.client.outputs.OutputFile;
import io.comfyfleet.comfy.client.run.ComfyRunner;
import io.comfyfleet.comfy.client.run.RunListener;
import io.comfyfleet.comfy.client.run.RunOptions;
import io.comfyfleet.comfy.client.run.RunResult;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.commons.io.file.PathUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code comfyfleet overhead}: what ComfyFleet adds to one job on an idle ComfyUI. One client alternates a direct
 * ComfyUI call ({@code POST /prompt}, its WebSocket events until the prompt ends, {@code GET /view} of the image)
 * with a served call ({@code POST /runsync} through the gateway, the worker and the same ComfyUI, the image
 * returned inline), so both see the same machine at the same moment; served minus direct is the overhead. The
 * served call uses the same blocking HTTP/1.1 client as the direct call's {@code POST /prompt}.
 *
 * <p>By default it starts what {@code comfyfleet up} starts, in this process: the gateway (SQLite, durable
 * queue) and one warm local worker that launches real ComfyUI ({@code ../shared/comfyui/real}) on a free port,
 * which the direct calls then use. With {@code --url} it attaches to a running system instead, whose one idle
 * worker runs the ComfyUI given by {@code --comfyui-url}.
 */
@Command(name = "overhead", mixinStandardHelpOptions = true,
        description = "Measure ComfyFleet's per-job overhead: direct ComfyUI calls alternating with /runsync calls.")
final class OverheadCommand implements Callable<Integer> {
    /** The prompt: 512x512 EmptyImage -> ImageInvert -> SaveImage; the colour varies per call (no cache hit). */
    static final String WORKFLOW = """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 512, "height": 512, "batch_size": 1, "color": 0}},
             "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "overhead"}}}""";
    private static final String ENDPOINT = "overhead";
    private static final String CLIENT_KEY = "overhead-client-key-0123456789";

    @Option(names = "--pairs", defaultValue = "40", description = "Direct/served pairs per round (default ${DEFAULT-VALUE})")
    int pairs;
    @Option(names = "--rounds", defaultValue = "3", description = "Rounds, each reported on its own (default ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--warmup", defaultValue = "300", description = "Pairs run first and not counted (default ${DEFAULT-VALUE}:"
            + " until the JIT has compiled the served path, as in a gateway that has served a while; 10 measures a cold JVM)")
    int warmup;
    @Option(names = "--comfyui-dir", description = "ComfyUI checkout the worker launches (default: ../shared/comfyui/real/ComfyUI"
            + " beside the clone, with its python launcher)")
    Path comfyuiDir;
    @Option(names = "--python", description = "Python for --comfyui-dir (default: the real launcher beside it, else python3)")
    String python;
    @Option(names = "--emulator", description = "The worker launches the ComfyUI emulator instead (not the number the aim is about)")
    boolean emulator;
    @Option(names = "--url", description = "Attach: the API root of a running system (e.g. http://127.0.0.1:8080/v2)")
    URI url;
    @Option(names = "--endpoint", description = "Attach: its endpoint, whose single idle worker runs --comfyui-url")
    String endpoint;
    @Option(names = "--key", description = "Attach: client key (default: COMFYFLEET_CLIENT_KEY)")
    String key;
    @Option(names = "--comfyui-url", description = "Attach: the ComfyUI that endpoint's worker runs on (the direct calls' target)")
    URI comfyuiUrl;
    @Option(names = "--data-dir", description = "Start: data folder of the started system (default: a fresh temporary one, deleted after a run that ends well)")
    Path dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (pairs < 1 || rounds < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pairs and --rounds must be at least 1, --warmup not negative");
        }
        boolean attach = url != null;
        if (attach && (endpoint == null || comfyuiUrl == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--url needs --endpoint and --comfyui-url (the ComfyUI"
                    + " of that endpoint's one worker, where the direct calls go)");
        }
        if (!attach && (endpoint != null || comfyuiUrl != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--endpoint and --comfyui-url attach to a running"
                    + " system and need --url; without --url this command starts one");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (attach) {
            String k = key != null ? key : System.getenv("COMFYFLEET_CLIENT_KEY");
            return measure(URI.create(url.toString().replaceAll("/+$", "") + "/" + endpoint), k, comfyuiUrl, out);
        }
        int comfyPort = freePort();
        Path dir = dataDir != null ? dataDir : Files.createTempDirectory("comfyfleet-overhead");
        UpConfig up = new UpConfigLoader(System::getenv).load(writeConfig(dir, comfyPort), dir);
        // the worker's and ComfyUI's lines go to the data folder's logs, so the table stays readable
        io.comfyfleet.cli.up.UpLogging.install(up.gateway().server().dataDir().resolve("logs"), false);
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logs) {
            logs.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.WARN);
            logs.getLogger("io.comfyfleet.fleet.worker-output").setLevel(ch.qos.logback.classic.Level.INFO);
        }
        out.printf("starting the gateway and one worker (%s) on ComfyUI port %d, data in %s%n",
                emulator ? "emulator" : "ComfyUI " + comfyuiDir(), comfyPort, dir);
        out.flush();
        int exit;
        try (FleetStack stack = FleetStack.start(up, Duration.ofSeconds(1), Clock.systemUTC())) {
            URI base = URI.create("http://127.0.0.1:" + stack.port() + "/v2/" + ENDPOINT);
            exit = measure(base, CLIENT_KEY, URI.create("http://127.0.0.1:" + comfyPort), out);
        }
        if (dataDir == null) {
            // a folder of its own, made for this run: nothing in it is wanted afterwards (on an error it stays, with
            // the worker's and ComfyUI's logs that say why)
            PathUtils.delete(dir);
        }
        return exit;
    }

    private int measure(URI endpointBase, String clientKey, URI comfy, PrintWriter out) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
             Calls calls = new Calls(http, endpointBase, clientKey, comfy)) {
            awaitIdleWorker(calls, out);
            for (int i = 0; i < warmup; i++) {
                calls.direct();
                calls.served();
            }
            out.printf(Locale.ROOT, "%d rounds of %d pairs (direct, then served), %d warm-up pairs; load %s%n",
                    rounds, pairs, warmup, loadAverage());
            out.println("round | direct p50/p90/p99 ms | served p50/p90/p99 ms | served-direct (per pair) p50/p90/p99 ms"
                    + " | p50 served - p50 direct ms");
            for (int r = 1; r <= rounds; r++) {
                double[] direct = new double[pairs];
                double[] served = new double[pairs];
                double[] added = new double[pairs];
                for (int i = 0; i < pairs; i++) {
                    direct[i] = calls.direct();
                    served[i] = calls.served();
                    added[i] = served[i] - direct[i];
                }
                out.printf(Locale.ROOT, "%5d | %s | %s | %s | %+.1f%n", r, percentiles(direct), percentiles(served),
                        percentiles(added), median(served) - median(direct));
                out.flush();
            }
            out.printf("load after: %s%n", loadAverage());
            return 0;
        }
    }

    private void awaitIdleWorker(Calls calls, PrintWriter out) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (calls.idleWorkers() < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no idle worker on " + calls.endpoint + " after 3 minutes");
            }
            Thread.sleep(250); // a CLI polling a starting process; nothing to wake it earlier
        }
        out.println("one worker idle");
    }

    /** p50/p90/p99 of the samples in milliseconds, nearest rank. */
    static String percentiles(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", rank(s, 50), rank(s, 90), rank(s, 99));
    }

    static double median(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return rank(s, 50);
    }

    private static double rank(double[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private Path comfyuiDir() {
        if (comfyuiDir != null) {
            return comfyuiDir.toAbsolutePath();
        }
        return Path.of(System.getProperty("comfyfleet.real.dir", "../shared/comfyui/real")).resolve("ComfyUI")
                .toAbsolutePath().normalize();
    }

    private Path writeConfig(Path dir, int comfyPort) throws IOException {
        String comfyui;
        if (emulator) {
            // zero time: what is measured is ComfyFleet's own hops; the emulator's copy of a GPU's node timings would
            // add the same to both paths, and its copy of ComfyUI's 14 s start would only delay the first round
            comfyui = "{emulator: true, emulatorArgs: [\"--zero-time\"]}";
        } else {
            Path cd = comfyuiDir();
            if (!Files.isRegularFile(cd.resolve("main.py"))) {
                throw new CommandLine.ParameterException(spec.commandLine(), cd + " has no main.py: give --comfyui-dir"
                        + " (a ComfyUI checkout), --emulator, or --url to attach to a running system");
            }
            Path launcher = cd.resolveSibling("python");
            String py = python != null ? LaunchSpec.absolute(python, Path.of("")) : Files.isExecutable(launcher) ? launcher.toString() : "python3";
            comfyui = "{dir: \"" + cd + "\", python: \"" + py + "\"}";
        }
        // one worker, kept warm, on one CPU slot whose ComfyUI listens on comfyPort
        Path file = dir.resolve("overhead.yaml");
        Files.writeString(file, """
                server:
                  port: 0
                  dataDir: "%s"
                endpoints:
                  - name: %s
                    clientKeys: ["%s"]
                    workerKeys: ["overhead-worker-key-0123456789"]
                    minWorkers: 1
                    maxWorkers: 1
                    idleTimeout: 1h
                workers:
                  cpuSlots: 1
                  basePort: %d
                  comfyui: %s
                """.formatted(dir.resolve("data"), ENDPOINT, CLIENT_KEY, comfyPort, comfyui));
        return file;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The two calls, each timed from the client's send to the image in hand, on warm connections. */
    private static final class Calls implements AutoCloseable {
        private final HttpClient http;
        /** The direct path's POST /prompt is a blocking exchange (ComfyClient), so the served call is one too. */
        private final BlockingHttp blocking = new BlockingHttp(Duration.ofSeconds(5));
        private final URI endpoint;
        private final String key;
        private final ComfyClient comfy;
        private final ComfyRunner runner;
        private int color;

        Calls(HttpClient http, URI endpoint, String key, URI comfyUrl) {
            this.http = http;
            this.endpoint = endpoint;
            this.key = key;
            this.comfy = ComfyClient.builder(comfyUrl).requestTimeout(Duration.ofMinutes(1)).build();
            this.runner = new ComfyRunner(comfy);
        }

        private ObjectNode nextWorkflow() {
            ObjectNode w = (ObjectNode) Json.MAPPER.readTree(WORKFLOW);
            // a colour no call used, so ComfyUI's cache never answers a prompt without running it
            ((ObjectNode) w.get("1").get("inputs")).put("color", ++color);
            return w;
        }

        /** POST /prompt, its events until it ends, GET /view of the image: milliseconds. */
        double direct() throws Exception {
            ObjectNode prompt = nextWorkflow();
            long start = System.nanoTime();
            RunResult result = runner.run(prompt, RunOptions.defaults().withTimeout(Duration.ofMinutes(1))
                    .withOutputsFromEvents(true), RunListener.none());
            if (!result.succeeded()) {
                throw new IllegalStateException("the direct ComfyUI call ended " + result.status());
            }
            long bytes = 0;
            for (OutputFile file : result.outputs().outputs()) {
                try (ViewStream view = comfy.view(file.ref())) {
                    bytes += view.body().transferTo(OutputStream.nullOutputStream());
                }
            }
            double ms = (System.nanoTime() - start) / 1e6;
            if (bytes == 0) {
                throw new IllegalStateException("the direct ComfyUI call returned no image");
            }
            return ms;
        }

        /** POST /runsync until COMPLETED with the image inline: milliseconds. */
        double served() throws Exception {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.putObject("input").set("workflow", nextWorkflow());
            byte[] request = Json.MAPPER.writeValueAsBytes(body);
            long start = System.nanoTime();
            BlockingHttp.Answer r = blocking.exchange(URI.create(endpoint + "/runsync?wait=60000"),
                    Map.of("Authorization", "Bearer " + key), request, Duration.ofMinutes(1));
            JsonNode answer = Json.MAPPER.readTree(r.body());
            JsonNode images = answer.path("output").path("images");
            byte[] png = images.isEmpty() ? new byte[0] : Base64.getDecoder().decode(images.get(0).path("data").asString());
            double ms = (System.nanoTime() - start) / 1e6;
            if (r.status() != 200 || !"COMPLETED".equals(answer.path("status").asString()) || png.length == 0) {
                throw new IllegalStateException("/runsync answered " + r.status() + ": "
                        + r.body().substring(0, Math.min(r.body().length(), 500)));
            }
            return ms;
        }

        int idleWorkers() throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                    .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + key).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(endpoint + "/health answered " + r.statusCode() + ": " + r.body());
            }
            return Json.MAPPER.readTree(r.body()).path("workers").path("idle").asInt();
        }

        @Override
        public void close() {
            runner.close();
        }
    }
}
