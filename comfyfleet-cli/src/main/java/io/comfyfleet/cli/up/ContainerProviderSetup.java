package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.FleetConfigException;
import io.comfyfleet.fleet.container.ContainerConfig;
import io.comfyfleet.fleet.container.ContainerProvider;
import io.comfyfleet.fleet.provider.WorkerProvider;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * {@code workers.provider: container}: reads the {@code workers.container:} section (every problem names its key,
 * {@code workers.container.mounts[0]: ...}) and makes the {@link ContainerProvider} that {@code comfyfleet up} runs.
 *
 * <pre>
 * workers:
 *   provider: container
 *   gpus: [0, 1]                 # one GPU per container (DeviceRequests); none: cpuSlots containers
 *   container:
 *     host: unix:///var/run/docker.sock   # the Docker Engine API (Podman: podman system service)
 *     image: registry.example.com/team/worker:1.2
 *     network: host                       # default; the workers reach the gateway on 127.0.0.1
 *     mounts: ["/srv/models:/models:ro", "comfy-cache:/cache"]
 *     env: {HF_HOME: /cache/hf}
 *     pull: missing                       # or never
 * </pre>
 */
public final class ContainerProviderSetup {
    static final String NAME = "container";
    private static final String PREFIX = "workers.container.";
    private static final Set<String> KEYS = Set.of("host", "image", "network", "mounts", "env", "pull", "command",
            "gatewayUrl", "instance", "gpuDriver");

    /**
     * The {@code workers.container:} section as read.
     *
     * @param gatewayUrl the gateway as the containers reach it; null: {@code http://127.0.0.1:<port>} (host network)
     * @param instance   the label that tells this {@code up}'s containers from others on the engine; null: derived
     *                   from the data folder, so a restart of the same {@code up} removes what its last run left
     * @param command    replaces the image's command; null keeps it
     */
    public record Settings(URI host, String image, String network, List<String> mounts, Map<String, String> env,
            ContainerConfig.Pull pull, List<String> command, URI gatewayUrl, String instance, String gpuDriver) {
        public Settings {
            mounts = List.copyOf(mounts);
            env = Map.copyOf(env);
            command = command == null ? null : List.copyOf(command);
        }
    }

    private final List<String> problems;
    private final Path baseDir;

    ContainerProviderSetup(List<String> problems, Path baseDir) {
        this.problems = problems;
        this.baseDir = baseDir;
    }

    /** @param section {@code workers.container}, possibly missing */
    Settings parse(JsonNode section) {
        if (section == null || section.isMissingNode() || section.isNull() || !section.isObject()) {
            problems.add("workers.container: must be a mapping with at least image: (the worker image) when"
                    + " workers.provider is container");
            return null;
        }
        for (Iterator<String> it = section.propertyNames().iterator(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                problems.add(PREFIX + key + ": unknown key; known keys are " + KEYS.stream().sorted().toList());
            }
        }
        URI host = uri(section, "host", "unix:///var/run/docker.sock");
        String image = text(section, "image", null);
        String network = text(section, "network", "host");
        List<String> mounts = strings(section, "mounts", "a list of mounts like [\"/srv/models:/models:ro\"]");
        List<String> resolved = mounts.stream().map(this::resolveSource).toList();
        Map<String, String> env = env(section);
        String pullText = text(section, "pull", "missing");
        ContainerConfig.Pull pull = switch (pullText.toLowerCase(Locale.ROOT)) {
            case "never" -> ContainerConfig.Pull.NEVER;
            case "missing" -> ContainerConfig.Pull.MISSING;
            default -> {
                problems.add(PREFIX + "pull: must be never or missing, got \"" + pullText + "\"");
                yield ContainerConfig.Pull.MISSING;
            }
        };
        List<String> command = section.has("command")
                ? strings(section, "command", "the command as a list, like [comfyfleet, worker]") : null;
        URI gatewayUrl = uri(section, "gatewayUrl", null);
        String instance = text(section, "instance", null);
        String gpuDriver = text(section, "gpuDriver", "nvidia");
        Settings settings = new Settings(host, image, network, resolved, env, pull, command, gatewayUrl, instance,
                gpuDriver);
        try {
            // the provider's own checks, with a stand-in gateway address; they name the key that is wrong
            config(settings, URI.create("http://127.0.0.1:8080"), null, List.of(), 1, 1, 8188, Duration.ZERO,
                    instance == null ? "check" : instance);
        } catch (FleetConfigException e) {
            problems.add(PREFIX + e.key() + ": " + e.getMessage().replace("fleet setting '" + e.key() + "' ", ""));
        }
        return settings;
    }

    /**
     * The provider {@code up} runs: the section's settings with the {@code workers:} slots, the worker key and the
     * gateway's port.
     *
     * @throws FleetConfigException   naming a key that is not usable
     * @throws io.comfyfleet.fleet.provider.ProviderException when the engine does not answer
     */
    static WorkerProvider provider(UpConfig config, int gatewayPort, Duration stopGrace, Clock clock) {
        FleetSettings fleet = config.fleet();
        Settings s = fleet.container();
        URI gateway = s.gatewayUrl() != null ? s.gatewayUrl() : URI.create("http://127.0.0.1:" + gatewayPort);
        String instance = s.instance() != null ? s.instance()
                : instanceOf(config.gateway().server().dataDir().toAbsolutePath().normalize());
        return new ContainerProvider(config(s, gateway, config.workerKey(), fleet.gpus(), fleet.slotsPerGpu(),
                fleet.cpuSlots(), fleet.basePort(), stopGrace, instance), clock);
    }

    private static ContainerConfig config(Settings s, URI gateway, String workerKey, List<Integer> gpus,
            int slotsPerGpu, int cpuSlots, int basePort, Duration stopGrace, String instance) {
        ContainerConfig.Builder b = ContainerConfig.builder(s.host(), s.image(), gateway)
                .apiKey(workerKey).gpus(gpus).slotsPerGpu(slotsPerGpu).cpuSlots(cpuSlots).basePort(basePort)
                .stopGrace(stopGrace).network(s.network()).mounts(s.mounts()).command(s.command()).pull(s.pull())
                .instance(instance).gpuDriver(s.gpuDriver());
        s.env().forEach(b::env);
        return b.build();
    }

    /** {@code up-} and 8 hex digits of the data folder's path: stable across restarts, distinct per folder. */
    static String instanceOf(Path dataDir) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(dataDir.toString().getBytes(StandardCharsets.UTF_8));
            return "up-" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A relative host folder ({@code ./models:/models}) is relative to the configuration file, like dataDir. */
    private String resolveSource(String mount) {
        int colon = mount.indexOf(':');
        if (colon > 0 && mount.startsWith(".")) {
            return baseDir.resolve(mount.substring(0, colon)).normalize() + mount.substring(colon);
        }
        return mount;
    }

    private String text(JsonNode node, String key, String fallback) {
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (!v.isString()) {
            problems.add(PREFIX + key + ": must be text, got " + v);
            return fallback;
        }
        return v.asString();
    }

    private URI uri(JsonNode node, String key, String fallback) {
        String text = text(node, key, fallback);
        if (text == null) {
            return null;
        }
        try {
            return new URI(text);
        } catch (java.net.URISyntaxException e) {
            problems.add(PREFIX + key + ": must be an address like " + (fallback != null ? fallback : "http://10.0.0.5:8080")
                    + ", got \"" + text + "\"");
            return fallback == null ? null : URI.create(fallback);
        }
    }

    private List<String> strings(JsonNode node, String key, String what) {
        JsonNode v = node.path(key);
        List<String> result = new ArrayList<>();
        if (v.isMissingNode() || v.isNull()) {
            return result;
        }
        if (!v.isArray()) {
            problems.add(PREFIX + key + ": must be " + what + ", got " + v);
            return result;
        }
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isString() && !v.get(i).isNumber()) {
                problems.add(PREFIX + key + "[" + i + "]: must be text, got " + v.get(i));
            } else {
                result.add(v.get(i).asString());
            }
        }
        return result;
    }

    private Map<String, String> env(JsonNode node) {
        JsonNode v = node.path("env");
        Map<String, String> env = new LinkedHashMap<>();
        if (v.isMissingNode() || v.isNull()) {
            return env;
        }
        if (!v.isObject()) {
            problems.add(PREFIX + "env: must be a mapping of variable names to values, like {HF_HOME: /cache/hf}");
            return env;
        }
        for (Iterator<String> it = v.propertyNames().iterator(); it.hasNext(); ) {
            String name = it.next();
            JsonNode value = v.get(name);
            if (value.isContainer() || value.isNull()) {
                problems.add(PREFIX + "env." + name + ": must be a text, number or boolean, got " + value);
            } else {
                env.put(name, value.asString());
            }
        }
        return env;
    }
}
