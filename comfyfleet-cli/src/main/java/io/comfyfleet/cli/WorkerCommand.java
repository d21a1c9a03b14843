package io.comfyfleet.cli;

import io.comfyfleet.core.net.AddressClass;
import io.comfyfleet.common.json.Json;
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
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code comfyfleet worker}: takes jobs from a gateway and runs them on a ComfyUI it launches or attaches to.
 * Without {@code --gateway-url} it reads RunPod's {@code RUNPOD_WEBHOOK_*} environment, so the same worker runs on
 * RunPod itself.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Take jobs from a gateway and run them on a supervised ComfyUI.")
public final class WorkerCommand implements Callable<Integer> {
    /** Progress more often than this would cost the gateway a request and a write per frame of a fast sampler. */
    static final long MIN_PROGRESS_INTERVAL_MS = 50;

    @Option(names = "--gateway-url", description = "Gateway address, e.g. http://127.0.0.1:8080 (else RUNPOD_WEBHOOK_* env)")
    String gatewayUrl;
    @Option(names = "--endpoint", description = "Endpoint id to take jobs for")
    String endpoint;
    @Option(names = "--worker-id", description = "This worker's id (default: RUNPOD_POD_ID or a random one)")
    String workerId;
    @Option(names = "--worker-key", description = "The gateway's worker key, sent as Authorization (default: COMFYFLEET_WORKER_KEY)")
    String workerKey;
    @Option(names = "--ping-interval", defaultValue = "10000", description = "Heartbeat interval in ms (default ${DEFAULT-VALUE})")
    long pingIntervalMs;

    @Option(names = "--comfyui-url", description = "Attach to a ComfyUI already running here")
    URI comfyUrl;
    @Option(names = "--comfyui-dir", description = "Launch python main.py in this ComfyUI checkout")
    Path comfyDir;
    @Option(names = "--python", defaultValue = "python3", description = "Python executable (default ${DEFAULT-VALUE})")
    String python;
    // a container worker gets its slot's port from the container provider in COMFYFLEET_COMFYUI_PORT
    @Option(names = "--comfyui-port", defaultValue = "${env:COMFYFLEET_COMFYUI_PORT:-8188}",
            description = "Port for the launched ComfyUI (default COMFYFLEET_COMFYUI_PORT, else 8188; now ${DEFAULT-VALUE})")
    int comfyPort;
    @Option(names = "--comfyui-arg", description = "Extra argument for main.py (repeatable)")
    List<String> comfyArgs = new ArrayList<>();
    @Option(names = "--comfyui-command", description = "Custom launch command run by /bin/sh; {port}, {input}, {output}, {temp} are replaced")
    String comfyCommand;
    @Option(names = "--previews", description = "Launch ComfyUI with --preview-method latent2rgb so jobs can ask for previews")
    boolean previews;

    @Option(names = "--work-dir", description = "Folder for the result spool, scratch space and ComfyUI's folders (default ./comfyfleet-worker/<worker-id>)")
    Path workDir;
    @Option(names = "--ready-timeout", defaultValue = "600", description = "Seconds ComfyUI may take to start (default ${DEFAULT-VALUE})")
    long readyTimeoutS;
    @Option(names = "--stop-grace", defaultValue = "10", description = "Seconds between SIGTERM and SIGKILL for ComfyUI (default ${DEFAULT-VALUE})")
    long stopGraceS;
    @Option(names = "--max-restarts", defaultValue = "5", description = "ComfyUI restarts in a row before the worker exits unhealthy (default ${DEFAULT-VALUE})")
    int maxRestarts;
    @Option(names = "--exit-with-pid", description = "Stop at once (ComfyUI too) when this process ends: set by comfyfleet up, whose workers report only to it")
    Long exitWithPid;
    @Option(names = "--shutdown-grace", defaultValue = "30", description = "Seconds the current job may run after SIGTERM before it is handed back (default ${DEFAULT-VALUE})")
    long shutdownGraceS;

    @Option(names = "--progress-interval", defaultValue = "300", description = "Least time between two progress posts"
            + " of a job, ms, at least " + MIN_PROGRESS_INTERVAL_MS + " (default ${DEFAULT-VALUE}); each post is a"
            + " request and a store write at the gateway")
    long progressIntervalMs;
    @Option(names = "--execution-timeout", defaultValue = "3600", description = "The worker's own limit per workflow, seconds (default ${DEFAULT-VALUE})")
    long executionTimeoutS;
    @Option(names = "--interrupt-grace", defaultValue = "15", description = "Seconds ComfyUI gets to stop after an interrupt before it is restarted (default ${DEFAULT-VALUE})")
    long interruptGraceS;
    @Option(names = "--on-comfyui-crash", defaultValue = "fail", description = "fail or hand-back the job whose ComfyUI died (default ${DEFAULT-VALUE})")
    String onCrash;
    @Option(names = "--warmup-workflow", description = "API-format workflow file run once before the first job")
    Path warmupWorkflow;

    @Option(names = "--outputs", defaultValue = "inline", description = "inline, s3 or gateway (default ${DEFAULT-VALUE}); a job's s3Config wins")
    String outputs;
    @Option(names = "--inline-max-bytes", defaultValue = "20971520", description = "Largest output returned inline as base64 (default ${DEFAULT-VALUE})")
    long inlineMaxBytes;
    @Option(names = "--s3-endpoint", description = "S3-compatible endpoint URL (or BUCKET_ENDPOINT_URL)")
    String s3Endpoint;
    @Option(names = "--s3-bucket", description = "Bucket for outputs (or BUCKET_NAME)")
    String s3Bucket;
    @Option(names = "--s3-access-key", description = "Access key id (or BUCKET_ACCESS_KEY_ID)")
    String s3AccessKey;
    @Option(names = "--s3-secret-key", description = "Secret key (or BUCKET_SECRET_ACCESS_KEY)")
    String s3SecretKey;
    @Option(names = "--s3-object-path", defaultValue = "", description = "Key prefix for outputs")
    String s3ObjectPath;

    @Option(names = "--allow-http-inputs", description = "Also fetch input images from plain http URLs")
    boolean allowHttpInputs;
    @Option(names = "--allow-input-address", split = ",", description = "Address classes input URLs may reach: loopback, private, link-local, multicast, unspecified")
    List<String> allowInputAddress = new ArrayList<>();
    @Option(names = "--max-input-bytes", defaultValue = "52428800", description = "Largest input image fetched by URL (default ${DEFAULT-VALUE})")
    long maxInputBytes;
    @Option(names = "--input-timeout", defaultValue = "60", description = "Seconds to fetch one input image (default ${DEFAULT-VALUE})")
    long inputTimeoutS;

    @Override
    public Integer call() throws Exception {
        ColdStartMarks coldStart = ColdStartMarks.enteredNow();
        WorkerSettings settings;
        try {
            settings = settings(System.getenv());
        } catch (WorkerConfigException e) {
            System.err.println("comfyfleet worker: " + e.getMessage());
            return 2;
        }
        WorkerApp app = new WorkerApp(settings, ComfyJobHandler::new).coldStart(coldStart).stopOnShutdown();
        if (exitWithPid != null) {
            exitWith(exitWithPid, app);
        }
        return app.run();
    }

    /**
     * A local worker reports to the {@code up} that started it and to no other gateway: when that process dies,
     * even by kill -9, nothing the worker does can be reported, and another gateway that takes over the control
     * loop starts workers of its own. So the worker kills its ComfyUI and exits at once, well within the time
     * another gateway needs to take the control-loop lease over (at least {@code server.controlLease} minus
     * {@code server.controlRenew}), rather than linger and hold a GPU slot. Polled: {@code onExit()} runs on the
     * common pool, which a busy JVM may starve.
     */
    private static void exitWith(long pid, WorkerApp app) {
        java.util.Optional<ProcessHandle> parent = ProcessHandle.of(pid);
        Thread.ofPlatform().daemon().name("worker-parent-watch").start(() -> {
            try {
                while (parent.map(ProcessHandle::isAlive).orElse(false)) {
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("comfyfleet worker: the process that started this worker (pid " + pid
                    + ") is gone; killing ComfyUI and exiting");
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            Runtime.getRuntime().halt(WorkerApp.EXIT_UNHEALTHY);
        });
    }

    /**
     * The validated settings from these flags, with {@code env} for what the flags leave out.
     *
     * @throws WorkerConfigException naming the flag or variable to change
     */
    WorkerSettings settings(Map<String, String> env) {
        GatewayEndpoints gateway;
        String id = workerId != null ? workerId : env.getOrDefault("RUNPOD_POD_ID", "worker-" + UUID.randomUUID().toString().substring(0, 8));
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
            JsonNode wf = Json.MAPPER.readTree(Files.readString(warmupWorkflow));
            if (!wf.isObject()) {
                throw new WorkerConfigException("--warmup-workflow", warmupWorkflow + " is not an API-format workflow object");
            }
            return wf.has("workflow") && wf.get("workflow").isObject() ? wf.get("workflow") : wf;
        } catch (java.io.IOException | tools.jackson.core.JacksonException e) {
            throw new WorkerConfigException("--warmup-workflow", "cannot read " + warmupWorkflow + ": " + e.getMessage());
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
