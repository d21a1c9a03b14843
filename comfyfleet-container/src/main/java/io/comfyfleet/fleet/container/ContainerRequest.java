package io.comfyfleet.fleet.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import io.comfyfleet.fleet.provider.GatewaySilenceLimit;
import io.comfyfleet.fleet.provider.RunpodWorkerEnv;
import io.comfyfleet.fleet.provider.Slot;
import io.comfyfleet.fleet.provider.WorkerSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The engine's create request for one worker container: image, environment, labels, mounts, network, GPU. */
final class ContainerRequest {
    private ContainerRequest() {}

    /** {@code comfyfleet-<instance>-<workerId>}: unique on the engine as long as worker ids are within an instance. */
    static String name(ContainerConfig config, String workerId) {
        return "comfyfleet-" + config.instance() + "-" + workerId;
    }

    static int port(ContainerConfig config, Slot slot) {
        return config.slotLayout().port(slot);
    }

    static Map<String, String> env(ContainerConfig config, WorkerSpec spec, Slot slot, String version) {
        Map<String, String> env = new LinkedHashMap<>();
        // a worker whose up is gone for good (kill -9, never restarted) stops itself instead of holding its GPU;
        // the YAML's env may set another limit
        GatewaySilenceLimit.putDefault(env);
        env.putAll(config.extraEnv());
        env.putAll(RunpodWorkerEnv.withKey(config.gatewayUrl(), config.apiKey(), spec, "container", version,
                config.pingInterval()));
        env.put("COMFYFLEET_SLOT", Integer.toString(slot.index()));
        env.put("COMFYFLEET_COMFYUI_PORT", Integer.toString(port(config, slot)));
        env.put("COMFYFLEET_DEVICE", slot.gpu() == null ? "cpu" : "cuda");
        // no CUDA_VISIBLE_DEVICES: the container sees only its own GPU, as device 0, whatever its host index
        return env;
    }

    static Map<String, String> labels(ContainerConfig config, WorkerSpec spec, Slot slot, String version) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        labels.put(Labels.INSTANCE, config.instance());
        labels.put(Labels.ENDPOINT, spec.endpoint());
        labels.put(Labels.WORKER_ID, spec.workerId());
        labels.put(Labels.VERSION, version);
        labels.put(Labels.SLOT, Integer.toString(slot.index()));
        return labels;
    }

    /** The create command, not sent yet. */
    static CreateContainerCmd build(DockerClient docker, ContainerConfig config, WorkerSpec spec, Slot slot,
            String image) {
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(config.network())
                .withBinds(Mounts.binds(config.mounts()));
        if (slot.gpu() != null) {
            host.withDeviceRequests(List.of(new DeviceRequest()
                    .withDriver(config.gpuDriver())
                    .withDeviceIds(List.of(slot.gpu().toString()))
                    .withCapabilities(List.of(List.of("gpu")))));
        }
        CreateContainerCmd create = docker.createContainerCmd(image)
                .withName(name(config, spec.workerId()))
                .withEnv(env(config, spec, slot, image).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .toList())
                .withLabels(labels(config, spec, slot, image))
                .withHostConfig(host);
        if (config.command() != null) {
            create.withCmd(config.command().stream().map(a -> a.replace("{workerId}", spec.workerId())
                    .replace("{endpoint}", spec.endpoint())
                    .replace("{slot}", Integer.toString(slot.index()))
                    .replace("{port}", Integer.toString(port(config, slot)))
                    .replace("{gpu}", slot.gpuLabel())).toList());
        }
        return create;
    }
}
