package io.comfyfleet.fleet.local;

import io.comfyfleet.fleet.FleetConfigException;
import io.comfyfleet.fleet.provider.ProviderChecks;
import io.comfyfleet.fleet.provider.SlotLayout;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How {@link LocalProcessProvider} starts workers: the command, the gateway they talk to, and the slots they run
 * in. Build with {@link #builder}; {@link Builder#build()} validates every key, after which it is immutable.
 *
 * <p>The command is a template: in every argument {@code {workerId}}, {@code {endpoint}}, {@code {slot}} (0-based
 * slot index), {@code {port}} ({@code basePort} + slot index: each worker's own ComfyUI port, as in
 * {@code --comfyui-port {port}}), {@code {gpu}} (the GPU index, or {@code cpu}), {@code {image}} (the
 * endpoint's image reference, empty when none is set) and {@code {providerPid}} (the pid of the process running the
 * provider, for a worker that should end with it, as in {@code --exit-with-pid {providerPid}}) are replaced. A
 * template with {@code {image}} makes the image the workers' version (so roll-outs apply, e.g.
 * {@code comfyfleet up --emulator} maps it to emulator flags); without it the image is ignored and the version is the
 * launch digest {@link #version()}. {@link WorkerCommands#thisJvm} builds the usual one.
 */
public final class LocalProcessConfig {
    private final List<String> command;
    private final URI gatewayUrl;
    private final String apiKey;
    private final Duration pingInterval;
    private final SlotLayout slots;
    private final Duration stopGrace;
    private final Map<String, String> extraEnv;
    private final Set<String> withheldEnv;
    private final Path workDir;

    private LocalProcessConfig(Builder b, SlotLayout slots) {
        this.command = List.copyOf(b.command);
        this.gatewayUrl = b.gatewayUrl;
        this.apiKey = b.apiKey;
        this.pingInterval = b.pingInterval;
        this.slots = slots;
        this.stopGrace = b.stopGrace;
        this.extraEnv = Map.copyOf(b.extraEnv);
        this.withheldEnv = Set.copyOf(b.withheldEnv);
        this.workDir = b.workDir;
    }

    /**
     * @param command    the worker command template (program first), for example from {@link WorkerCommands#thisJvm}
     * @param gatewayUrl the gateway's base URL as the workers reach it, like {@code http://127.0.0.1:8080}
     */
    public static Builder builder(List<String> command, URI gatewayUrl) {
        return new Builder(command, gatewayUrl);
    }

    public List<String> command() {
        return command;
    }

    /**
     * What this launch runs, as a worker version: {@code local-} and the first 12 hex digits of the SHA-256 of the
     * command template (which names the ComfyUI folder, its Python and its arguments). A changed launch between
     * two starts of {@code up} is a new version; the same launch is the same version, so the template must not
     * carry what differs between starts but not between workers, such as a pid: {@code {providerPid}} stands for
     * that one.
     */
    public String version() {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(String.join("\0", command).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "local-" + java.util.HexFormat.of().formatHex(digest, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Whether the command template has the {@code {image}} placeholder: then workers run the endpoint's image. */
    public boolean usesImage() {
        return command.stream().anyMatch(a -> a.contains("{image}"));
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

    /** GPU indexes to spread workers over (or CPU slots), and the ComfyUI port of each slot. */
    public SlotLayout slots() {
        return slots;
    }

    /** The grace {@link LocalProcessProvider#close()} gives each worker. */
    public Duration stopGrace() {
        return stopGrace;
    }

    public Map<String, String> extraEnv() {
        return extraEnv;
    }

    /** Variables of this process's environment that workers do not inherit. */
    public Set<String> withheldEnv() {
        return withheldEnv;
    }

    /** The workers' working directory; null means this process's. */
    public Path workDir() {
        return workDir;
    }

    /** Collects and validates a {@link LocalProcessConfig}. */
    public static final class Builder {
        private final List<String> command;
        private final URI gatewayUrl;
        private String apiKey;
        private Duration pingInterval = Duration.ofSeconds(10);
        private List<Integer> gpus = List.of();
        private int slotsPerGpu = 1;
        private int cpuSlots = 1;
        private int basePort = 8188;
        private Duration stopGrace = Duration.ofSeconds(30);
        private final Map<String, String> extraEnv = new LinkedHashMap<>();
        private final Set<String> withheldEnv = new LinkedHashSet<>();
        private Path workDir;

        private Builder(List<String> command, URI gatewayUrl) {
            this.command = command == null ? null : new ArrayList<>(command);
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

        /** The first per-slot port for {@code {port}} (default 8188, ComfyUI's own default). */
        public Builder basePort(int basePort) {
            this.basePort = basePort;
            return this;
        }

        public Builder stopGrace(Duration stopGrace) {
            this.stopGrace = stopGrace;
            return this;
        }

        /** An extra environment variable for every worker; the RunPod variables the provider sets win. */
        public Builder env(String name, String value) {
            extraEnv.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Keeps variables of this process's environment from the workers, such as the gateway's database password
         * or client keys: a worker runs ComfyUI and its custom nodes, third-party code that needs neither.
         */
        public Builder withholdEnv(String... names) {
            for (String n : names) {
                withheldEnv.add(Objects.requireNonNull(n, "name"));
            }
            return this;
        }

        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** @throws FleetConfigException naming the first key that is not usable */
        public LocalProcessConfig build() {
            if (command == null || command.isEmpty() || command.stream().anyMatch(a -> a == null || a.isEmpty())) {
                throw new FleetConfigException("command",
                        "must be a program followed by its arguments, none empty, got " + command);
            }
            ProviderChecks.gatewayUrl(gatewayUrl);
            ProviderChecks.pingInterval(pingInterval);
            SlotLayout slots = SlotLayout.of(gpus, slotsPerGpu, cpuSlots, basePort);
            ProviderChecks.stopGrace(stopGrace);
            if (workDir != null && !workDir.toFile().isDirectory()) {
                throw new FleetConfigException("workDir", "must be an existing directory, got " + workDir);
            }
            return new LocalProcessConfig(this, slots);
        }
    }
}
