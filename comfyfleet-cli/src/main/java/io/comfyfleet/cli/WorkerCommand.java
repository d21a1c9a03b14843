package io.comfyfleet.cli;

import io.comfyfleet.common.json.Json;
import io.comfyfleet.common.process.WorkerExitLine;
import io.comfyfleet.core.net.AddressClass;
import io.comfyfleet.fleet.provider.GatewaySilenceLimit;
import io.comfyfleet.worker.Backoff;
import io.comfyfleet.worker.ColdStartMarks;
import io.comfyfleet.worker.WorkerApp;
import io.comfyfleet.worker.WorkerSettings;
import io.comfyfleet.worker.config.GatewayEndpoints;
import io.comfyfleet.worker.config.WorkerConfigException;
import io.comfyfleet.worker.input.UrlPolicy;
import io.comfyfleet.worker.run.ComfyJobHandler;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import io.comfyfleet.worker.supervisor.SupervisorSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code comfyfleet worker}: takes jobs from a gateway and runs them on a ComfyUI it launches or attaches to.
 * Without {@code --gateway-url} it reads RunPod's {@code RUNPOD_WEBHOOK_*} environment, so the same worker runs on
 * RunPod itself.
 *
 * <p>Its command line is read with Apache Commons CLI, not picocli like the other subcommands: this is the process
 * every cold start waits for (a provider starts it, and ComfyUI is launched only once its options are read), and
 * picocli took ~100 ms of a quiet two-core machine's worker start and 200-250 ms of a busy one's. Its classes are
 * Java 5 class files, which no class-data archive holds, so they were read and verified from the jar at every
 * start, and it built its model from the annotations by reflection. Commons CLI's few classes come from the
 * archive. {@link Main} hands {@code worker} to {@link #main} before any picocli class loads.
 */
public final class WorkerCommand {
    /** Progress more often than this would cost the gateway a request and a write per frame of a fast sampler. */
    static final long MIN_PROGRESS_INTERVAL_MS = 50;
    static final String SUMMARY = "Take jobs from a gateway and run them on a supervised ComfyUI.";
    private static final String USAGE = "comfyfleet worker [OPTIONS]";
    /** Options that may be given more than once; any other given twice is refused. */
    private static final Set<String> REPEATABLE = Set.of("comfyui-arg", "allow-input-address");

    /** What a user may pass, with the help text {@code --help} prints; the defaults are applied by {@link #parse}. */
    static final Options OPTIONS = new Options()
            .addOption(value("gateway-url", "URL", "Gateway address, e.g. http://127.0.0.1:8080 (else RUNPOD_WEBHOOK_* env)"))
            .addOption(value("endpoint", "ID", "Endpoint id to take jobs for"))
            .addOption(value("worker-id", "ID", "This worker's id (default: RUNPOD_POD_ID or a random one)"))
            .addOption(value("worker-key", "KEY", "The gateway's worker key, sent as Authorization (default: COMFYFLEET_WORKER_KEY)"))
            .addOption(value("ping-interval", "MS", "Heartbeat interval in ms (default 10000)"))
            .addOption(value("comfyui-url", "URL", "Attach to a ComfyUI already running here"))
            .addOption(value("comfyui-dir", "DIR", "Launch python main.py in this ComfyUI checkout"))
            .addOption(value("python", "PATH", "Python executable (default python3)"))
            .addOption(value("comfyui-port", "PORT", "Port for the launched ComfyUI (default COMFYFLEET_COMFYUI_PORT, else 8188)"))
            .addOption(value("comfyui-arg", "ARG", "Extra argument for main.py (repeatable)"))
            .addOption(value("comfyui-command", "LINE", "Custom launch command run by /bin/sh; {port}, {input}, {output}, {temp} are replaced"))
            .addOption(flag("previews", "Launch ComfyUI with --preview-method latent2rgb so jobs can ask for previews"))
            .addOption(value("work-dir", "DIR", "Folder for the result spool, scratch space and ComfyUI's folders (default ./comfyfleet-worker/<worker-id>)"))
            .addOption(value("ready-timeout", "S", "Seconds ComfyUI may take to start (default 600)"))
            .addOption(value("stop-grace", "S", "Seconds between SIGTERM and SIGKILL for ComfyUI (default 10)"))
            .addOption(value("max-restarts", "N", "ComfyUI restarts in a row before the worker exits unhealthy (default 5)"))
            .addOption(value("exit-with-pid", "PID", "Stop at once (ComfyUI too) when this process ends: set by comfyfleet up, whose workers report only to it"))
            .addOption(value("gateway-silence-limit", "S", "Stop (the current job gets --shutdown-grace) when the gateway"
                    + " has not answered for S seconds (default COMFYFLEET_GATEWAY_SILENCE_LIMIT, set by comfyfleet's"
                    + " container and Kubernetes providers; else 0: wait for it forever, as on RunPod)"))
            .addOption(value("shutdown-grace", "S", "Seconds the current job may run after SIGTERM before it is handed back (default 30)"))
            .addOption(value("progress-interval", "MS", "Least time between two progress posts of a job, ms, at least "
                    + MIN_PROGRESS_INTERVAL_MS + " (default 300); each post is a request and a store write at the gateway"))
            .addOption(value("execution-timeout", "S", "The worker's own limit per workflow, seconds (default 3600)"))
            .addOption(value("interrupt-grace", "S", "Seconds ComfyUI gets to stop after an interrupt before it is restarted (default 15)"))
            .addOption(value("on-comfyui-crash", "POLICY", "fail or hand-back the job whose ComfyUI died (default fail)"))
            .addOption(value("warmup-workflow", "FILE", "API-format workflow file run once before the first job"))
            .addOption(value("outputs", "KIND", "inline, s3 or gateway (default COMFYFLEET_OUTPUTS, else inline); a job's s3Config wins"))
            .addOption(value("inline-max-bytes", "N", "Largest output returned inline as base64 (default 20971520)"))
            .addOption(value("s3-endpoint", "URL", "S3-compatible endpoint URL (or BUCKET_ENDPOINT_URL)"))
            .addOption(value("s3-bucket", "NAME", "Bucket for outputs (or BUCKET_NAME)"))
            .addOption(value("s3-access-key", "ID", "Access key id (or BUCKET_ACCESS_KEY_ID)"))
            .addOption(value("s3-secret-key", "KEY", "Secret key (or BUCKET_SECRET_ACCESS_KEY)"))
            .addOption(value("s3-object-path", "PREFIX", "Key prefix for outputs"))
            .addOption(flag("allow-http-inputs", "Also fetch input images from plain http URLs"))
            .addOption(value("allow-input-address", "CLASSES", "Address classes input URLs may reach, comma-separated:"
                    + " loopback, private, link-local, multicast, unspecified"))
            .addOption(value("max-input-bytes", "N", "Largest input image fetched by URL (default 52428800)"))
            .addOption(value("input-timeout", "S", "Seconds to fetch one input image (default 60)"))
            .addOption(Option.builder("h").longOpt("help").desc("Show this help message and exit").get())
            .addOption(Option.builder("V").longOpt("version").desc("Print version information and exit").get());

    String gatewayUrl;
    String endpoint;
    String workerId;
    String workerKey;
    long pingIntervalMs;

    URI comfyUrl;
    Path comfyDir;
    String python;
    int comfyPort;
    List<String> comfyArgs;
    String comfyCommand;
    boolean previews;

    Path workDir;
    long readyTimeoutS;
    long stopGraceS;
    int maxRestarts;
    Long exitWithPid;
    long gatewaySilenceLimitS;
    long shutdownGraceS;

    long progressIntervalMs;
    long executionTimeoutS;
    long interruptGraceS;
    String onCrash;
    Path warmupWorkflow;

    String outputs;
    long inlineMaxBytes;
    String s3Endpoint;
    String s3Bucket;
    String s3AccessKey;
    String s3SecretKey;
    String s3ObjectPath;

    boolean allowHttpInputs;
    List<String> allowInputAddress;
    long maxInputBytes;
    long inputTimeoutS;

    private WorkerCommand() {}

    private static Option value(String name, String argName, String description) {
        return Option.builder().longOpt(name).hasArg().argName(argName).desc(description).get();
    }

    private static Option flag(String name, String description) {
        return Option.builder().longOpt(name).desc(description).get();
    }

    /**
     * Runs {@code comfyfleet worker ARGS} (the arguments after {@code worker}), with {@code env} for what they leave
     * out; blocks until the worker ends.
     *
     * @return the worker's exit code ({@link WorkerApp}); 0 after help or version; 2 for bad usage, said on
     *     {@code err} naming the flag to change
     */
    public static int main(String[] args, Map<String, String> env, PrintStream out, PrintStream err)
            throws InterruptedException {
        ColdStartMarks coldStart = ColdStartMarks.enteredNow();
        WorkerCommand command;
        WorkerSettings settings;
        try {
            CommandLine line = parser().parse(OPTIONS, args);
            if (line.hasOption("help")) {
                printHelp(out);
                return 0;
            }
            if (line.hasOption("version")) {
                out.println(Main.VERSION);
                return 0;
            }
            command = from(line, env);
            settings = command.settings(env);
        } catch (ParseException | WorkerConfigException e) {
            err.println("comfyfleet worker: " + e.getMessage());
            err.println("Usage: " + USAGE + "  (comfyfleet worker --help lists the options)");
            return 2;
        }
        // outside the log, as soon as the worker knows: the one line whoever started it (comfyfleet up) shows with
        // its exit code, printed before the gateway hears of it (and may have the worker stopped before it exits)
        WorkerApp app = new WorkerApp(settings, ComfyJobHandler::new).coldStart(coldStart)
                .onGivingUp((reason, code) -> {
                    err.println(WorkerExitLine.of(code, reason));
                    err.flush();
                })
                .stopOnShutdown();
        if (command.gatewaySilenceLimitS > 0) {
            app.exitWhenGatewaySilentFor(Duration.ofSeconds(command.gatewaySilenceLimitS));
        }
        if (command.exitWithPid != null) {
            exitWith(command.exitWithPid, app, Runtime.getRuntime()::halt);
        }
        return app.run();
    }

    /**
     * The options of these arguments, with their defaults ({@code env} for the ComfyUI port's).
     *
     * @throws ParseException for an unknown option or a missing value
     * @throws WorkerConfigException for a malformed value, naming its flag
     */
    static WorkerCommand parse(String[] args, Map<String, String> env) throws ParseException {
        return from(parser().parse(OPTIONS, args), env);
    }

    /**
     * Whole option names only (a prefix of one is refused as unknown, not guessed), and values exactly as given: a
     * {@code --comfyui-command} line may start and end with a quote that its shell needs.
     */
    private static DefaultParser parser() {
        return DefaultParser.builder().setAllowPartialMatching(false).setStripLeadingAndTrailingQuotes(false).get();
    }

    private static WorkerCommand from(CommandLine line, Map<String, String> env) {
        if (!line.getArgList().isEmpty()) {
            throw new WorkerConfigException(line.getArgList().getFirst(), "is not an option: the worker takes only"
                    + " options (comfyfleet worker --help lists them)");
        }
        for (Option o : line.getOptions()) {
            if (!REPEATABLE.contains(o.getLongOpt()) && line.getOptionValues(o.getLongOpt()) != null
                    && line.getOptionValues(o.getLongOpt()).length > 1) {
                throw new WorkerConfigException("--" + o.getLongOpt(), "is given more than once; give it once");
            }
        }
        Given given = new Given(line);
        WorkerCommand c = new WorkerCommand();
        c.gatewayUrl = given.text("gateway-url", null);
        c.endpoint = given.text("endpoint", null);
        c.workerId = given.text("worker-id", null);
        c.workerKey = given.text("worker-key", null);
        c.pingIntervalMs = given.number("ping-interval", "10000");
        c.comfyUrl = given.uri("comfyui-url");
        c.comfyDir = given.path("comfyui-dir");
        c.python = given.text("python", "python3");
        // a container worker gets its slot's port from the container provider in COMFYFLEET_COMFYUI_PORT
        c.comfyPort = given.integer("comfyui-port", env.getOrDefault("COMFYFLEET_COMFYUI_PORT", "8188"));
        c.comfyArgs = given.all("comfyui-arg");
        c.comfyCommand = given.text("comfyui-command", null);
        c.previews = line.hasOption("previews");
        c.workDir = given.path("work-dir");
        c.readyTimeoutS = given.number("ready-timeout", "600");
        c.stopGraceS = given.number("stop-grace", "10");
        c.maxRestarts = given.integer("max-restarts", "5");
        c.exitWithPid = line.hasOption("exit-with-pid") ? given.number("exit-with-pid", null) : null;
        // a provider-started container or pod gets it in its environment, whatever command its image runs (a
        // compile-time constant: reading it loads no fleet class on the worker's cold-start path)
        c.gatewaySilenceLimitS = given.number("gateway-silence-limit", env, GatewaySilenceLimit.VARIABLE, "0");
        c.shutdownGraceS = given.number("shutdown-grace", "30");
        c.progressIntervalMs = given.number("progress-interval", "300");
        c.executionTimeoutS = given.number("execution-timeout", "3600");
        c.interruptGraceS = given.number("interrupt-grace", "15");
        c.onCrash = given.text("on-comfyui-crash", "fail");
        c.warmupWorkflow = given.path("warmup-workflow");
        // a container or pod worker gets it from its environment, as it gets its port
        c.outputs = given.text("outputs", env, "COMFYFLEET_OUTPUTS", "inline",
                v -> v.equals("inline") || v.equals("s3") || v.equals("gateway"), "must be inline, s3 or gateway");
        c.inlineMaxBytes = given.number("inline-max-bytes", "20971520");
        c.s3Endpoint = given.text("s3-endpoint", null);
        c.s3Bucket = given.text("s3-bucket", null);
        c.s3AccessKey = given.text("s3-access-key", null);
        c.s3SecretKey = given.text("s3-secret-key", null);
        c.s3ObjectPath = given.text("s3-object-path", "");
        c.allowHttpInputs = line.hasOption("allow-http-inputs");
        c.allowInputAddress = new ArrayList<>();
        given.all("allow-input-address").forEach(v -> c.allowInputAddress.addAll(List.of(v.split(","))));
        c.maxInputBytes = given.number("max-input-bytes", "52428800");
        c.inputTimeoutS = given.number("input-timeout", "60");
        return c;
    }

    /** Typed reads of a parsed command line; a malformed value is a {@link WorkerConfigException} naming its flag. */
    private record Given(CommandLine line) {
        String text(String name, String fallback) {
            return line.getOptionValue(name, fallback);
        }

        List<String> all(String name) {
            String[] values = line.getOptionValues(name);
            return values == null ? List.of() : List.of(values);
        }

        /**
         * {@code --name}, else the environment variable {@code variable} (how a provider configures a container or
         * pod worker), else {@code fallback}; a value from the variable that {@code valid} refuses names the variable,
         * so that the error points where the value came from.
         */
        String text(String name, Map<String, String> env, String variable, String fallback,
                java.util.function.Predicate<String> valid, String rule) {
            if (line.hasOption(name) || !env.containsKey(variable)) {
                return text(name, fallback);
            }
            String value = env.get(variable);
            if (!valid.test(value)) {
                throw new WorkerConfigException(variable, rule + " (got '" + value + "')");
            }
            return value;
        }

        /** As {@link #text(String, Map, String, String, java.util.function.Predicate, String)}, for a whole number. */
        long number(String name, Map<String, String> env, String variable, String fallback) {
            String text = text(name, env, variable, fallback, v -> v.trim().matches("-?\\d{1,18}"),
                    "must be a whole number");
            return number(name, text);
        }

        long number(String name, String fallback) {
            String text = line.getOptionValue(name, fallback);
            try {
                return Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                throw new WorkerConfigException("--" + name, "must be a whole number (got '" + text + "')");
            }
        }

        int integer(String name, String fallback) {
            long value = number(name, fallback);
            if (value != (int) value) {
                throw new WorkerConfigException("--" + name, "is out of range (got " + value + ")");
            }
            return (int) value;
        }

        URI uri(String name) {
            String text = line.getOptionValue(name);
            try {
                return text == null ? null : new URI(text);
            } catch (URISyntaxException e) {
                throw new WorkerConfigException("--" + name, "is not a URL: " + e.getMessage());
            }
        }

        Path path(String name) {
            String text = line.getOptionValue(name);
            try {
                return text == null ? null : Path.of(text);
            } catch (InvalidPathException e) {
                throw new WorkerConfigException("--" + name, "is not a path: " + e.getMessage());
            }
        }
    }

    private static void printHelp(PrintStream out) {
        out.println("Usage: " + USAGE);
        out.println(SUMMARY);
        TextHelpAppendable text = new TextHelpAppendable(out);
        text.setMaxWidth(110);
        try {
            HelpFormatter.builder().setHelpAppendable(text).setShowSince(false).get().printOptions(OPTIONS);
        } catch (IOException e) {
            throw new IllegalStateException("cannot print the help", e); // a PrintStream does not throw
        }
        out.flush();
    }

    /**
     * A local worker reports to the {@code up} that started it and to no other gateway: when that process dies,
     * even by kill -9, nothing the worker does can be reported, and another gateway that takes over the control
     * loop starts workers of its own. So the worker kills its ComfyUI and exits at once, well within the time
     * another gateway needs to take the control-loop lease over (at least {@code server.controlLease} minus
     * {@code server.controlRenew}), rather than linger and hold a GPU slot. Polled: {@code onExit()} runs on the
     * common pool, which a busy JVM may starve.
     *
     * @param exit how the worker ends: {@code Runtime::halt}; tests pass one that records the code
     */
    static Thread exitWith(long pid, WorkerApp app, java.util.function.IntConsumer exit) {
        java.util.Optional<ProcessHandle> parent = ProcessHandle.of(pid);
        return Thread.ofPlatform().daemon().name("worker-parent-watch").start(() -> {
            try {
                while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("comfyfleet worker: the process that started this worker (pid " + pid
                    + ") is gone; killing ComfyUI and exiting");
            // the supervisor first: the JVM may take seconds to end (up's workers write a class-data archive as
            // they exit), in which it would restart the ComfyUI killed here, and that one would outlive the worker
            app.killComfyUI();
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            exit.accept(WorkerApp.EXIT_UNHEALTHY);
        });
    }

    /**
     * The validated settings from these flags, with {@code env} for what the flags leave out.
     *
     * @throws WorkerConfigException naming the flag or variable to change
     */
    WorkerSettings settings(Map<String, String> env) {
        GatewayEndpoints gateway;
        // a random id only when none is given: its SecureRandom costs ~30 ms of a cold start to set up
        String id = workerId != null ? workerId : env.containsKey("RUNPOD_POD_ID") ? env.get("RUNPOD_POD_ID")
                : "worker-" + UUID.randomUUID().toString().substring(0, 8);
        if (gatewayUrl != null) {
            String key = workerKey != null ? workerKey : env.get("COMFYFLEET_WORKER_KEY");
            gateway = GatewayEndpoints.forGateway(gatewayUrl, endpoint, id, key, Duration.ofMillis(pingIntervalMs));
        } else if (env.containsKey(GatewayEndpoints.ENV_GET_JOB)) {
            gateway = GatewayEndpoints.fromEnvironment(env);
            id = gateway.workerId();
        } else {
            throw new WorkerConfigException("--gateway-url", "is required (or set RunPod's RUNPOD_WEBHOOK_GET_JOB and friends)");
        }
        Path work = (workDir != null ? workDir : Path.of("comfyfleet-worker", id)).toAbsolutePath();
        int chosen = (comfyUrl != null ? 1 : 0) + (comfyDir != null ? 1 : 0) + (comfyCommand != null ? 1 : 0);
        if (chosen != 1) {
            throw new WorkerConfigException("--comfyui-url", "give exactly one of --comfyui-url, --comfyui-dir or --comfyui-command");
        }
        LaunchSpec launch = null;
        if (comfyDir != null) {
            launch = LaunchSpec.python(comfyDir, python, port(), work.resolve("comfyui"), previews, comfyArgs);
        } else if (comfyCommand != null) {
            launch = LaunchSpec.custom(comfyCommand, port(), work.resolve("comfyui"));
        }
        seconds("--gateway-silence-limit", gatewaySilenceLimitS);
        SupervisorSettings supervisor = new SupervisorSettings(seconds("--ready-timeout", readyTimeoutS),
                seconds("--stop-grace", stopGraceS), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)),
                atLeast("--max-restarts", maxRestarts, 0), Duration.ofMinutes(5), 20);
        WorkerSettings.JobSettings job = new WorkerSettings.JobSettings(seconds("--execution-timeout", executionTimeoutS),
                seconds("--interrupt-grace", interruptGraceS), crashPolicy(), progressInterval(), 256);
        return new WorkerSettings(gateway, comfyUrl, launch, supervisor, work, seconds("--shutdown-grace", shutdownGraceS),
                job, new WorkerSettings.OutputSettings(outputs, inlineMaxBytes, s3(env)), urlPolicy(),
                warmup());
    }

    private Duration progressInterval() {
        if (progressIntervalMs < MIN_PROGRESS_INTERVAL_MS) {
            throw new WorkerConfigException("--progress-interval", "must be at least " + MIN_PROGRESS_INTERVAL_MS
                    + " ms, so a job's progress cannot flood the gateway (got " + progressIntervalMs + ")");
        }
        return Duration.ofMillis(progressIntervalMs);
    }

    private int port() {
        if (comfyPort < 1 || comfyPort > 65535) {
            throw new WorkerConfigException("--comfyui-port", "must be 1-65535 (got " + comfyPort + ")");
        }
        return comfyPort;
    }

    private WorkerSettings.CrashPolicy crashPolicy() {
        return switch (onCrash.toLowerCase(Locale.ROOT)) {
            case "fail" -> WorkerSettings.CrashPolicy.FAIL;
            case "hand-back", "handback" -> WorkerSettings.CrashPolicy.HAND_BACK;
            default -> throw new WorkerConfigException("--on-comfyui-crash", "must be fail or hand-back (got " + onCrash + ")");
        };
    }

    private UrlPolicy urlPolicy() {
        Set<AddressClass> allowed = EnumSet.noneOf(AddressClass.class);
        for (String name : allowInputAddress) {
            try {
                allowed.add(AddressClass.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw new WorkerConfigException("--allow-input-address", "unknown class '" + name
                        + "'; use loopback, private, link-local, multicast or unspecified");
            }
        }
        if (maxInputBytes <= 0) {
            throw new WorkerConfigException("--max-input-bytes", "must be positive");
        }
        return new UrlPolicy(allowHttpInputs, allowed, maxInputBytes, seconds("--input-timeout", inputTimeoutS), 5);
    }

    private JsonNode s3(Map<String, String> env) {
        String endpointUrl = s3Endpoint != null ? s3Endpoint : env.get("BUCKET_ENDPOINT_URL");
        if (endpointUrl == null) {
            return null;
        }
        ObjectNode s3 = Json.MAPPER.createObjectNode();
        s3.put("endpointUrl", endpointUrl);
        s3.put("bucketName", s3Bucket != null ? s3Bucket : env.getOrDefault("BUCKET_NAME", ""));
        s3.put("accessId", s3AccessKey != null ? s3AccessKey : env.getOrDefault("BUCKET_ACCESS_KEY_ID", ""));
        s3.put("accessSecret", s3SecretKey != null ? s3SecretKey : env.getOrDefault("BUCKET_SECRET_ACCESS_KEY", ""));
        s3.put("objectPath", s3ObjectPath);
        return s3;
    }

    private JsonNode warmup() {
        if (warmupWorkflow == null) {
            return null;
        }
        try {
            // strict like a workflow sent to /run: a key written twice is refused, not read as its last value
            JsonNode wf = io.comfyfleet.gateway.jobs.Json.mapper().readTree(Files.readString(warmupWorkflow));
            if (!wf.isObject()) {
                throw new WorkerConfigException("--warmup-workflow", warmupWorkflow + " is not an API-format workflow object");
            }
            return wf.has("workflow") && wf.get("workflow").isObject() ? wf.get("workflow") : wf;
        } catch (IOException e) {
            throw new WorkerConfigException("--warmup-workflow", "cannot read " + warmupWorkflow + ": " + e.getMessage());
        } catch (tools.jackson.core.JacksonException e) {
            // without the parser's location suffix ("at [Source: REDACTED ...]")
            throw new WorkerConfigException("--warmup-workflow", "cannot read " + warmupWorkflow + ": "
                    + (io.comfyfleet.gateway.jobs.DuplicateKey.of(e).isPresent()
                    ? io.comfyfleet.gateway.jobs.DuplicateKey.inFile(e) : "it is not JSON: " + e.getOriginalMessage()));
        }
    }

    private static Duration seconds(String flag, long value) {
        if (value < 0) {
            throw new WorkerConfigException(flag, "must not be negative (got " + value + ")");
        }
        return Duration.ofSeconds(value);
    }

    private static int atLeast(String flag, int value, int min) {
        if (value < min) {
            throw new WorkerConfigException(flag, "must be at least " + min + " (got " + value + ")");
        }
        return value;
    }
}
