package io.comfyfleet.fleet.container;

import io.comfyfleet.fleet.FleetConfigException;
import io.comfyfleet.fleet.provider.ProviderChecks;
import io.comfyfleet.fleet.provider.SlotLayout;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How {@link ContainerProvider} runs workers: the container engine, the default image, the gateway the workers
 * talk to, their network, mounts and environment, and the slots they run in. Build with {@link #builder};
 * {@link Builder#build()} validates every key, after which it is immutable.
 *
 * <p>Slots work as for local processes: GPUs × slotsPerGpu when GPUs are listed (each container gets its one GPU
 * through the engine's {@code DeviceRequests}), else {@code cpuSlots}. Slot n's ComfyUI listens on basePort + n,
 * given to the container as {@code COMFYFLEET_COMFYUI_PORT}, so containers on the host network do not collide.
 */
public final class ContainerConfig {
    /** What to do when the image is not on the engine yet. */
    public enum Pull {
        /** Fail the start, naming the image (images are loaded or pulled ahead, as on machines without a registry). */
        NEVER,
        /** Pull it during the start (blocks that start for as long as the pull takes). */
        MISSING
    }

    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9._-]{1,63}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final URI engineHost;
    private final String image;
    private final URI gatewayUrl;
    private final String apiKey;
    private final Duration pingInterval;
    private final SlotLayout slotLayout;
    private final Duration stopGrace;
    private final String network;
    private final List<String> mounts;
    private final Map<String, String> extraEnv;
    private final List<String> command;
    private final Pull pull;
    private final String instance;
    private final String gpuDriver;

    private ContainerConfig(Builder b, SlotLayout slotLayout) {
        this.engineHost = b.engineHost;
        this.image = b.image;
        this.gatewayUrl = b.gatewayUrl;
        this.apiKey = b.apiKey;
        this.pingInterval = b.pingInterval;
        this.slotLayout = slotLayout;
        this.stopGrace = b.stopGrace;
        this.network = b.network;
        this.mounts = List.copyOf(b.mounts);
        this.extraEnv = Map.copyOf(b.extraEnv);
        this.command = b.command == null ? null : List.copyOf(b.command);
        this.pull = b.pull;
        this.instance = b.instance;
        this.gpuDriver = b.gpuDriver;
    }

    /**
     * @param engineHost the Docker Engine API, like {@code unix:///var/run/docker.sock} or {@code tcp://10.0.0.5:2375}
     * @param image      the image a worker runs when its {@link WorkerSpec} names none
     * @param gatewayUrl the gateway's base URL as the containers reach it (with host networking:
     *                   {@code http://127.0.0.1:8080})
     */
    public static Builder builder(URI engineHost, String image, URI gatewayUrl) {
        return new Builder(engineHost, image, gatewayUrl);
    }

    public URI engineHost() {
        return engineHost;
    }

    /** The default image reference. */
    public String image() {
        return image;
    }

    public URI gatewayUrl() {
        return gatewayUrl;
    }

    /** {@code RUNPOD_AI_API_KEY} for the workers; null when the gateway asks workers for no key. */
    public String apiKey() {
        return apiKey;
    }

    public Duration pingInterval() {
        return pingInterval;
    }

    /** Host GPU indexes to give one each to containers (or CPU slots), and the ComfyUI port of each slot. */
    public SlotLayout slotLayout() {
        return slotLayout;
    }

    /** The grace {@link ContainerProvider#close()} gives each worker. */
    public Duration stopGrace() {
        return stopGrace;
    }

    /** The container network mode: {@code host} (default), {@code bridge}, or a network's name. */
    public String network() {
        return network;
    }

    /** Binds in Docker's {@code -v} form: {@code /host/path:/container/path[:ro]} or {@code volume:/path[:ro]}. */
    public List<String> mounts() {
        return mounts;
    }

    /** Extra environment variables for every worker; the RunPod variables the provider sets win. */
    public Map<String, String> extraEnv() {
        return extraEnv;
    }

    /**
     * The command that replaces the image's own ({@code Cmd}), with {@code {workerId}}, {@code {endpoint}},
     * {@code {slot}}, {@code {port}} and {@code {gpu}} replaced; null runs the image's command.
     */
    public List<String> command() {
        return command;
    }

    public Pull pull() {
        return pull;
    }

    /**
     * Names this provider's containers among others on the same engine (label {@code io.comfyfleet.instance}): at
     * start, only containers of the same instance left by an earlier run are removed.
     */
    public String instance() {
        return instance;
    }

    /** The {@code DeviceRequests} driver for GPUs ({@code nvidia}). */
    public String gpuDriver() {
        return gpuDriver;
    }

    /** How many workers can run at once. */
    public int slots() {
        return slotLayout.count();
    }

    /** Collects and validates a {@link ContainerConfig}. */
    public static final class Builder {
        private final URI engineHost;
        private final String image;
        private final URI gatewayUrl;
        private String apiKey;
        private Duration pingInterval = Duration.ofSeconds(10);
        private List<Integer> gpus = List.of();
        private int slotsPerGpu = 1;
        private int cpuSlots = 1;
        private int basePort = 8188;
        private Duration stopGrace = Duration.ofSeconds(30);
        private String network = "host";
        private List<String> mounts = List.of();
        private final Map<String, String> extraEnv = new LinkedHashMap<>();
        private List<String> command;
        private Pull pull = Pull.MISSING;
        private String instance = "default";
        private String gpuDriver = "nvidia";

        private Builder(URI engineHost, String image, URI gatewayUrl) {
            this.engineHost = engineHost;
            this.image = image;
            this.gatewayUrl = gatewayUrl;
        }

        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder pingInterval(Duration pingInterval) {
            this.pingInterval = pingInterval;
            return this;
        }

        public Builder gpus(List<Integer> gpus) {
            this.gpus = gpus == null ? null : new ArrayList<>(gpus);
            return this;
        }

        public Builder slotsPerGpu(int slotsPerGpu) {
            this.slotsPerGpu = slotsPerGpu;
            return this;
        }

        public Builder cpuSlots(int cpuSlots) {
            this.cpuSlots = cpuSlots;
            return this;
        }

        public Builder basePort(int basePort) {
            this.basePort = basePort;
            return this;
        }

        public Builder stopGrace(Duration stopGrace) {
            this.stopGrace = stopGrace;
            return this;
        }

        public Builder network(String network) {
            this.network = network;
            return this;
        }

        public Builder mounts(List<String> mounts) {
            this.mounts = mounts == null ? null : new ArrayList<>(mounts);
            return this;
        }

        public Builder env(String name, String value) {
            extraEnv.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder command(List<String> command) {
            this.command = command == null ? null : new ArrayList<>(command);
            return this;
        }

        public Builder pull(Pull pull) {
            this.pull = pull;
            return this;
        }

        public Builder instance(String instance) {
            this.instance = instance;
            return this;
        }

        public Builder gpuDriver(String gpuDriver) {
            this.gpuDriver = gpuDriver;
            return this;
        }

        /** @throws FleetConfigException naming the first key that is not usable */
        public ContainerConfig build() {
            if (engineHost == null || !("unix".equals(engineHost.getScheme()) || "tcp".equals(engineHost.getScheme())
                    || "npipe".equals(engineHost.getScheme()))) {
                throw new FleetConfigException("host", "must be the Docker Engine API address, like"
                        + " unix:///var/run/docker.sock or tcp://10.0.0.5:2375, got " + engineHost);
            }
            if (image == null || image.isBlank()) {
                throw new FleetConfigException("image", "must be set: the image workers run, like"
                        + " registry.example.com/team/worker:1.2");
            }
            try {
                new WorkerSpec("endpoint", "worker", image);
            } catch (IllegalArgumentException e) {
                throw new FleetConfigException("image", "must be an image reference like"
                        + " registry.example.com/team/worker:1.2, got '" + image + "'");
            }
            ProviderChecks.gatewayUrl(gatewayUrl);
            ProviderChecks.pingInterval(pingInterval);
            SlotLayout slotLayout = SlotLayout.of(gpus, slotsPerGpu, cpuSlots, basePort);
            ProviderChecks.stopGrace(stopGrace);
            if (network == null || network.isBlank()) {
                throw new FleetConfigException("network", "must be host, bridge or a network's name, got '" + network + "'");
            }
            if (mounts == null) {
                throw new FleetConfigException("mounts", "must be a list, got nothing");
            }
            for (int i = 0; i < mounts.size(); i++) {
                Mounts.check("mounts[" + i + "]", mounts.get(i));
            }
            for (String name : extraEnv.keySet()) {
                if (!ENV_NAME.matcher(name).matches()) {
                    throw new FleetConfigException("env." + name, "is not a variable name (letters, digits, '_')");
                }
            }
            if (command != null && (command.isEmpty() || command.stream().anyMatch(a -> a == null || a.isEmpty()))) {
                throw new FleetConfigException("command",
                        "must be a program followed by its arguments, none empty, or left out, got " + command);
            }
            if (pull == null) {
                throw new FleetConfigException("pull", "must be never or missing");
            }
            if (instance == null || !LABEL_VALUE.matcher(instance).matches()) {
                throw new FleetConfigException("instance",
                        "must be 1 to 63 letters, digits, '.', '_' or '-', got '" + instance + "'");
            }
            if (gpuDriver == null || gpuDriver.isBlank()) {
                throw new FleetConfigException("gpuDriver", "must name the engine's GPU driver, like nvidia");
            }
            return new ContainerConfig(this, slotLayout);
        }
    }
}
