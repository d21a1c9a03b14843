package io.comfyfleet.cli.up;

import io.comfyfleet.kubernetes.KubernetesConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code workers:} section of {@code comfyfleet.yaml}: how {@code comfyfleet up} runs workers on this machine.
 *
 * @param provider      where workers run: {@code local} (processes on this machine), {@code container} or
 *                      {@code kubernetes} (pods)
 * @param gpus          GPU indexes to spread workers over; empty runs them on CPU slots
 * @param slotsPerGpu   workers (each with its own ComfyUI) per GPU
 * @param cpuSlots      workers at most when no GPU is listed
 * @param basePort      the ComfyUI port of slot 0; slot n listens on basePort + n
 * @param jobGrace      how long a running job may go on after a stop (scale-down or Ctrl-C) before it is handed back
 * @param comfyui       which ComfyUI each worker launches (local workers)
 * @param container     the {@code workers.container:} section when the provider is {@code container}, else null
 * @param kubernetes    the {@code workers.kubernetes:} section when the provider is {@code kubernetes}; null otherwise
 * @param warmupWorkflow an API-format workflow file each local worker runs on its ComfyUI before its first job-take
 *                      (absolute; {@code {endpoint}} in it is the worker's endpoint); null for none
 * @param outputs       where local workers deliver a job's outputs when the job names no S3 of its own:
 *                      {@code inline} (base64 in the result, as worker-comfyui does; up to 20 MB a file) or
 *                      {@code gateway} (the gateway's output store: a URL in the result, files up to
 *                      {@code server.maxOutputFile})
 */
public record FleetSettings(String provider, List<Integer> gpus, int slotsPerGpu, int cpuSlots, int basePort,
        Duration jobGrace, ComfyLaunch comfyui, ContainerProviderSetup.Settings container,
        KubernetesConfig kubernetes, String warmupWorkflow, String outputs) {

    /** Outputs inline, as worker-comfyui returns them. */
    public FleetSettings(String provider, List<Integer> gpus, int slotsPerGpu, int cpuSlots, int basePort,
            Duration jobGrace, ComfyLaunch comfyui, ContainerProviderSetup.Settings container,
            KubernetesConfig kubernetes, String warmupWorkflow) {
        this(provider, gpus, slotsPerGpu, cpuSlots, basePort, jobGrace, comfyui, container, kubernetes,
                warmupWorkflow, "inline");
    }

    /** Without a warm-up workflow. */
    public FleetSettings(String provider, List<Integer> gpus, int slotsPerGpu, int cpuSlots, int basePort,
            Duration jobGrace, ComfyLaunch comfyui, ContainerProviderSetup.Settings container,
            KubernetesConfig kubernetes) {
        this(provider, gpus, slotsPerGpu, cpuSlots, basePort, jobGrace, comfyui, container, kubernetes, null);
    }

    public FleetSettings {
        gpus = List.copyOf(gpus);
    }

    /** A copy that launches {@code launch} instead (the command line wins over the file). */
    public FleetSettings with(ComfyLaunch launch) {
        return new FleetSettings(provider, gpus, slotsPerGpu, cpuSlots, basePort, jobGrace, launch, container,
                kubernetes, warmupWorkflow, outputs);
    }

    /** The old constructor, for the local provider. */
    public FleetSettings(String provider, List<Integer> gpus, int slotsPerGpu, int cpuSlots, int basePort,
            Duration jobGrace, ComfyLaunch comfyui) {
        this(provider, gpus, slotsPerGpu, cpuSlots, basePort, jobGrace, comfyui, null, null);
    }

    /** How many workers can run at once. */
    public int slots() {
        return gpus.isEmpty() ? cpuSlots : gpus.size() * slotsPerGpu;
    }

    /** Which ComfyUI a worker launches next to itself. */
    public sealed interface ComfyLaunch {
        /** The ComfyFleet emulator (no GPU), from this same program, with extra emulator flags. */
        record Emulator(List<String> args) implements ComfyLaunch {
            public Emulator {
                args = List.copyOf(args);
            }
        }

        /** A ComfyUI checkout: {@code python main.py} in that folder, with extra flags. */
        record Checkout(Path dir, String python, List<String> args) implements ComfyLaunch {
            public Checkout {
                args = List.copyOf(args);
            }
        }

        /** Not chosen yet (neither in the file nor on the command line). */
        record Unset() implements ComfyLaunch {}
    }
}
