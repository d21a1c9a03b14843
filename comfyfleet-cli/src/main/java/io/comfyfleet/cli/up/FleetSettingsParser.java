package io.comfyfleet.cli.up;

import io.comfyfleet.gateway.config.Durations;
import io.comfyfleet.worker.supervisor.LaunchSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads and checks the {@code workers:} section; every problem names its key ({@code workers.slotsPerGpu: ...}).
 * Absent keys take the defaults that let {@code up --emulator} run with no file at all.
 */
final class FleetSettingsParser {
    private static final Set<String> KEYS = Set.of("provider", "gpus", "slotsPerGpu", "cpuSlots", "basePort",
            "jobGrace", "comfyui", "container", "kubernetes", "warmupWorkflow", "outputs");
    private static final Set<String> COMFY_KEYS = Set.of("emulator", "emulatorArgs", "dir", "python", "args");

    private final List<String> problems;
    private final Path baseDir;

    FleetSettingsParser(List<String> problems, Path baseDir) {
        this.problems = problems;
        this.baseDir = baseDir;
    }

    /** @param workers the section, or null/missing when the file has none */
    FleetSettings parse(JsonNode workers) {
        if (workers == null || workers.isMissingNode() || workers.isNull()) {
            return new FleetSettings("local", List.of(), 1, 2, 8188, Duration.ofSeconds(30),
                    new FleetSettings.ComfyLaunch.Unset(), null, null);
        }
        if (!workers.isObject()) {
            problems.add("workers: must be a mapping (provider, gpus, slotsPerGpu, cpuSlots, basePort, jobGrace, comfyui)");
            return parse(null);
        }
        unknown(workers, "workers", KEYS);
        String provider = text(workers, "provider", "local");
        if (!Set.of("local", ContainerProviderSetup.NAME, "kubernetes").contains(provider)) {
            problems.add("workers.provider: must be local (workers as processes on this machine), container"
                    + " (workers as containers, see workers.container) or kubernetes (workers as pods), got \"" + provider + "\"");
        }
        List<Integer> gpus = new ArrayList<>();
        JsonNode g = workers.path("gpus");
        if (!g.isMissingNode() && !g.isNull()) {
            if (!g.isArray()) {
                problems.add("workers.gpus: must be a list of GPU indexes like [0, 1], got " + g);
            } else {
                for (int i = 0; i < g.size(); i++) {
                    if (!g.get(i).isIntegralNumber() || g.get(i).asInt() < 0) {
                        problems.add("workers.gpus[" + i + "]: must be a GPU index 0 or more, got " + g.get(i));
                    } else if (gpus.contains(g.get(i).asInt())) {
                        // counted twice, it would get twice its slots, each worker with its own ComfyUI in its VRAM
                        problems.add("workers.gpus[" + i + "]: GPU " + g.get(i).asInt() + " is listed twice; list each"
                                + " GPU once (workers.slotsPerGpu sets how many workers share one)");
                    } else {
                        gpus.add(g.get(i).asInt());
                    }
                }
            }
        }
        int slotsPerGpu = integer(workers, "slotsPerGpu", 1, 1, 64);
        int cpuSlots = integer(workers, "cpuSlots", 2, 1, 256);
        int basePort = integer(workers, "basePort", 8188, 1, 65535);
        Duration jobGrace = duration(workers, "jobGrace", Duration.ofSeconds(30));
        ContainerProviderSetup.Settings container = ContainerProviderSetup.NAME.equals(provider)
                ? new ContainerProviderSetup(problems, baseDir).parse(workers.path("container")) : null;
        var kubernetes = "kubernetes".equals(provider) ? new KubernetesProviderSetup(problems)
                .parse(workers.path("kubernetes"), jobGrace.plus(FleetStack.EXIT_MARGIN)) : null;
        return new FleetSettings(provider, gpus, slotsPerGpu, cpuSlots, basePort, jobGrace, comfy(workers.path("comfyui")),
                container, kubernetes, warmupWorkflow(text(workers, "warmupWorkflow", null)),
                outputs(text(workers, "outputs", "inline"), provider));
    }

    /** Where local workers deliver outputs; the other providers' workers are set through their environment. */
    private String outputs(String outputs, String provider) {
        if (!outputs.equals("inline") && !outputs.equals("gateway")) {
            problems.add("workers.outputs: must be inline (base64 in the job's result, up to 20 MB a file) or gateway"
                    + " (the gateway's output store: a link in the result, up to server.maxOutputFile), got \""
                    + outputs + "\"");
        } else if (!outputs.equals("inline") && !provider.equals("local")) {
            // container and Kubernetes workers take their settings from their image and environment
            problems.add("workers.outputs: applies to local workers; for " + provider + " workers set"
                    + " COMFYFLEET_OUTPUTS=" + outputs + " in their environment (workers." + provider + ".env)");
        }
        return outputs;
    }

    /**
     * The warm-up workflow's path, relative to the file's folder; checked now when it names one file (it must be an
     * API-format workflow object), while a path with {@code {endpoint}} is read by each worker at its start.
     */
    private String warmupWorkflow(String path) {
        if (path == null) {
            return null;
        }
        Path file = baseDir.resolve(path).toAbsolutePath().normalize();
        if (!path.contains("{endpoint}")) {
            try {
                // strict like a workflow sent to /run: a key written twice is refused, not read as its last value
                JsonNode wf = io.comfyfleet.gateway.jobs.Json.mapper().readTree(java.nio.file.Files.readString(file));
                if (!wf.isObject()) {
                    problems.add("workers.warmupWorkflow: " + file + " is not an API-format workflow (a JSON object"
                            + " of nodes)");
                }
            } catch (java.io.IOException e) {
                problems.add("workers.warmupWorkflow: cannot read " + file + " as an API-format workflow: "
                        + (e instanceof java.nio.file.NoSuchFileException ? "there is no such file" : e.getMessage()));
            } catch (tools.jackson.core.JacksonException e) {
                // the parser's own message without its location suffix ("at [Source: REDACTED ...]")
                problems.add("workers.warmupWorkflow: cannot read " + file + " as an API-format workflow: "
                        + (io.comfyfleet.gateway.jobs.DuplicateKey.of(e).isPresent()
                        ? io.comfyfleet.gateway.jobs.DuplicateKey.inFile(e) : "it is not JSON: " + e.getOriginalMessage()));
            }
        }
        return file.toString();
    }

    private FleetSettings.ComfyLaunch comfy(JsonNode c) {
        if (c.isMissingNode() || c.isNull()) {
            return new FleetSettings.ComfyLaunch.Unset();
        }
        if (!c.isObject()) {
            problems.add("workers.comfyui: must be a mapping with emulator: true or dir: /path/to/ComfyUI");
            return new FleetSettings.ComfyLaunch.Unset();
        }
        unknown(c, "workers.comfyui", COMFY_KEYS);
        boolean emulator = flag(c, "emulator");
        String dir = text(c, "dir", null, "workers.comfyui.");
        if (emulator && dir != null) {
            problems.add("workers.comfyui: give either emulator: true or dir, not both");
        }
        if (emulator) {
            return new FleetSettings.ComfyLaunch.Emulator(strings(c, "emulatorArgs"));
        }
        if (dir != null) {
            // a relative python is relative to this file, as dir is (workers run ComfyUI in dir, elsewhere)
            return new FleetSettings.ComfyLaunch.Checkout(baseDir.resolve(dir).normalize(),
                    LaunchSpec.absolute(text(c, "python", "python3", "workers.comfyui."), baseDir), strings(c, "args"));
        }
        return new FleetSettings.ComfyLaunch.Unset();
    }

    private void unknown(JsonNode node, String path, Set<String> known) {
        for (Iterator<String> it = node.propertyNames().iterator(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                problems.add(path + "." + key + ": unknown key; known keys are " + known.stream().sorted().toList());
            }
        }
    }

    private String text(JsonNode node, String key, String fallback) {
        return text(node, key, fallback, "workers.");
    }

    private String text(JsonNode node, String key, String fallback, String prefix) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (!v.isString()) {
            problems.add(prefix + key + ": must be text, got " + v);
            return fallback;
        }
        return v.asString();
    }

    private int integer(JsonNode node, String key, int fallback, int min, int max) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            problems.add("workers." + key + ": must be a whole number from " + min + " to " + max + ", got " + v);
            return fallback;
        }
        return v.asInt();
    }

    private Duration duration(JsonNode node, String key, Duration fallback) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        Duration d = Durations.parse(v.asString());
        if (d == null) {
            problems.add("workers." + key + ": must be a duration like " + Durations.EXAMPLES + ", got " + v);
            return fallback;
        }
        return d;
    }

    private List<String> strings(JsonNode node, String key) {
        JsonNode v = node.path(key);
        List<String> result = new ArrayList<>();
        if (v.isMissingNode() || v.isNull()) {
            return result;
        }
        if (!v.isArray()) {
            problems.add("workers.comfyui." + key + ": must be a list of flags like [--zero-time], got " + v);
            return result;
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (item.isString()) {
                result.add(item.asString());
            } else {
                // read as text, an object or a list would pass as an empty flag
                problems.add("workers.comfyui." + key + "[" + i + "]: must be text, a flag like --zero-time, got " + item);
            }
        }
        return result;
    }

    /**
     * A {@code workers.comfyui} switch: true or false. Anything else is named rather than read as false: YAML 1.2
     * reads {@code yes} and {@code "true"} as text, and a switch silently off made the start complain that the
     * section was not set.
     */
    private boolean flag(JsonNode node, String key) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            problems.add("workers.comfyui." + key + ": must be true or false, got " + v);
            return false;
        }
        return v.asBoolean();
    }
}
